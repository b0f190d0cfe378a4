"""The chaos test's own stack: a separate Compose project (CHAOS_PROJECT,
by default stack-chaos, image tag chaos) on free host ports, built and started
for the session and removed with its volumes at the end, unless
KEEP_CHAOS_STACK=1."""

from __future__ import annotations

import os
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from stack_testing import ComposeStack, free_port, read_env_example

PROJECT = os.environ.get("CHAOS_PROJECT", "stack-chaos")
IMAGE_TAG = os.environ.get("CHAOS_IMAGE_TAG", "chaos")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeStack]:
    settings = {
        **read_env_example(),
        "API_HOST_PORT": str(free_port()),
        "FRONTEND_HOST_PORT": str(free_port()),
        "API_TITLE": PROJECT,
        "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
        "REDIS_PASSWORD": secrets.token_urlsafe(24),
        # Short limits: a task held by a dead worker comes back soon.
        "TASK_SOFT_TIME_LIMIT_SECONDS": "8",
        "TASK_TIME_LIMIT_SECONDS": "10",
        # The sweeper publishes again what Redis lost this soon (hard limit + 20 s).
        "TASK_REPUBLISH_AFTER_SECONDS": "30",
    }
    folder = tmp_path_factory.mktemp("chaos")
    stack = ComposeStack(PROJECT, folder / f"{PROJECT}.env", settings, image_tag=IMAGE_TAG)
    stack.remove()
    started = time.monotonic()
    stack.up(build=True, wait_timeout=300)
    print(f"\nchaos stack {PROJECT} built and healthy in {time.monotonic() - started:.1f}s")
    try:
        yield stack
    finally:
        if os.environ.get("KEEP_CHAOS_STACK") == "1":
            print(f"\nkept: {stack.printable()} ...")
        else:
            stack.remove()
