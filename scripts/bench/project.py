"""The benchmark's own Compose project and images, and its progress lines."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from python_on_whales import docker
from stack_testing import ComposeStack, run_command

HERE = Path(__file__).resolve().parent
IMAGES = {  # image name: (repository, context, Dockerfile) as compose.yaml builds them
    "app": ("stack-app", ".", "backend/Dockerfile"),
    "db": ("stack-db", "images/postgres", "images/postgres/Dockerfile"),
    "redis": ("stack-redis", "images/redis", "images/redis/Dockerfile"),
    "frontend": ("stack-frontend", "images/frontend", "images/frontend/Dockerfile"),
}
SERVICES = ("db", "redis", "db-init", "backend", "celery_worker", "frontend")
# Images the sizes section builds beside the stack's: the app image's floor
# (floor.Dockerfile) and the two Dockerfile stages it is made of.
FLOOR_IMAGES = ("stack-app-floor", "stack-bench-floor-python", "stack-bench-floor-build")


def log(message: str) -> None:
    print(f"bench: {message}", flush=True)


def timed(command: list[str], **options: Any) -> float:
    """Seconds a command took, which must succeed."""
    started = time.perf_counter()
    run_command(command, **options)
    return time.perf_counter() - started


def bench_stack(project: str, folder: Path, overrides: dict[str, str]) -> ComposeStack:
    """The benchmark's stack: .env.example's settings, one worker process per
    container (so that worker containers, not processes, are what scales), and
    the `--set` overrides."""
    return ComposeStack.from_env_example(project, folder, WORKER_CONCURRENCY="1", **overrides)


def image(name: str, stack: ComposeStack) -> str:
    """One of IMAGES or FLOOR_IMAGES, under the benchmark's image tag."""
    repository = IMAGES[name][0] if name in IMAGES else name
    return f"{repository}:{stack.image_tag}"


def remove_images(stack: ComposeStack) -> None:
    names = [image(name, stack) for name in (*IMAGES, *FLOOR_IMAGES)]
    present = [name for name in names if docker.image.exists(name)]
    if present:
        docker.image.remove(present)
