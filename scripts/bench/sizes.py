"""Image sizes: the stack's images as the work tree builds them, and the app
image's floor (floor.Dockerfile: base, Debian's python3 and the locked
dependencies, without the project's code)."""

from __future__ import annotations

import os
from typing import Any

from python_on_whales import docker
from stack_testing import ROOT, ComposeStack, run_command

from bench.builds import build_command
from bench.project import HERE, IMAGES, image, log


def measure(stack: ComposeStack) -> dict[str, Any]:
    log("sizes: building the stack's images from the work tree, and the app image's floor")
    # Not quiet: a quiet build through bake cannot be granted read access to the
    # CA bundle (the `ca` build secret) and fails.
    stack.compose.build()
    base = os.environ.get("BASE_IMAGE", "debian:trixie-slim")
    stages = {stage: image(f"stack-bench-floor-{stage}", stack) for stage in ("python", "build")}
    for stage, name in stages.items():
        run_command(
            build_command(
                name, ROOT, ROOT / "backend/Dockerfile",
                "--target", stage, "--build-arg", f"BASE_IMAGE={base}",
            )
        )  # fmt: skip
    floor = image("stack-app-floor", stack)
    run_command(
        build_command(
            floor, HERE, HERE / "floor.Dockerfile",
            "--build-arg", f"PYTHON_IMAGE={stages['python']}",
            "--build-arg", f"BUILD_IMAGE={stages['build']}",
        )
    )  # fmt: skip
    sizes = {name: size(image(name, stack)) for name in IMAGES}
    sizes["app_floor"] = size(floor)
    sizes["base"] = size(base)
    sizes["python_stage"] = size(stages["python"])
    return sizes


def size(name: str) -> int:
    return int(docker.image.inspect(name).size or 0)
