"""Section `builds`: each image's cold build, and the app image's rebuild
after a source-only change and after a lock change."""

from __future__ import annotations

import json
import re
import secrets
import shutil
from contextlib import suppress
from pathlib import Path
from typing import Any

from python_on_whales import docker
from stack_testing import ROOT, CommandFailed, ca_bundle, docker_cli

from bench.project import IMAGES, log, timed

CACHE_ID_PREFIX = "stack-bench-"
# What .dockerignore lets into the app image's context.
APP_CONTEXT = [
    "uv.lock",
    "backend/packages.lock",
    "backend/packages-build.lock",
    "pyproject.toml",
    ".dockerignore",
    "backend/Dockerfile",
    *[f"{member}/pyproject.toml" for member in ("backend", "worker", "db")],
    *[f"{member}/src" for member in ("backend", "worker", "db")],
]


def build_command(image: str, context: Path, dockerfile: Path, *extra: str) -> list[str]:
    """`docker build` as Compose runs it for this image (with the named context
    `build-tools` its Dockerfile mounts). Timed bare: python-on-whales' build
    would also inspect the builder and the image."""
    return [
        "docker", "build", "--quiet", "--tag", image, "--file", str(dockerfile),
        "--secret", f"id=ca,src={ca_bundle()}",
        "--build-context", f"build-tools={ROOT / 'images' / 'build-tools'}",
        *extra, str(context),
    ]  # fmt: skip


def app_context_copy(into: Path) -> Path:
    """A copy of the app image's build context whose Dockerfile names its cache
    mounts after a fresh id: those mounts start empty (a cold build has no uv or
    pip cache) and are this benchmark's own, to remove afterwards."""
    for relative in APP_CONTEXT:
        source = ROOT / relative
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target)
    return into


def fresh_cache_ids(dockerfile: Path, nonce: str) -> None:
    text = dockerfile.read_text()
    text, replaced = re.subn(
        r"type=cache,target=([^\s,]+)", rf"type=cache,id={CACHE_ID_PREFIX}{nonce}\1,target=\1", text
    )
    if not replaced:
        raise RuntimeError(f"{dockerfile}: no cache mount found to rename")
    dockerfile.write_text(text)


def append_line(path: Path, line: str) -> None:
    path.write_text(path.read_text() + line + "\n")


def remove_own_cache_mounts() -> None:
    """The cache mounts whose id this benchmark made (`buildx du`: python-on-
    whales does not read it)."""
    with suppress(CommandFailed):
        for line in docker_cli("buildx", "du", "--format", "json").splitlines():
            with suppress(ValueError):
                entry = json.loads(line)
                description = entry.get("Description", "")
                if (
                    entry.get("Type") == "exec.cachemount"
                    and f'id "/{CACHE_ID_PREFIX}' in description
                ):
                    docker.buildx.prune(filters={"id": entry["ID"]})


def measure(runs: int, folder: Path, tag: str) -> dict[str, Any]:
    cold: dict[str, list[float]] = {name: [] for name in IMAGES}
    source: list[float] = []
    lock: list[float] = []
    app = f"{IMAGES['app'][0]}:{tag}"
    try:
        for number in range(1, runs + 1):
            context = app_context_copy(folder / f"app-context-{number}")
            dockerfile = context / "backend/Dockerfile"
            fresh_cache_ids(dockerfile, secrets.token_hex(4))
            log(f"builds {number}/{runs}: cold app image")
            cold["app"].append(timed(build_command(app, context, dockerfile, "--no-cache")))
            for name in ("db", "redis", "frontend"):
                repository, directory, file = IMAGES[name]
                log(f"builds {number}/{runs}: cold {repository}")
                command = build_command(
                    f"{repository}:{tag}", ROOT / directory, ROOT / file, "--no-cache"
                )
                cold[name].append(timed(command))
            log(f"builds {number}/{runs}: app image after a source-only change")
            marker = context / "backend/src/stack_backend/__init__.py"
            append_line(marker, f"# bench: source change {secrets.token_hex(4)}")
            source.append(timed(build_command(app, context, dockerfile)))
            log(f"builds {number}/{runs}: app image after a lock change")
            append_line(context / "uv.lock", f"# bench: lock change {secrets.token_hex(4)}")
            lock.append(timed(build_command(app, context, dockerfile)))
            shutil.rmtree(context)
    finally:
        remove_own_cache_mounts()
    return {"cold_s": cold, "source_rebuild_s": source, "lock_rebuild_s": lock}
