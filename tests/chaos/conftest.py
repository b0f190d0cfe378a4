"""The chaos test's own stack: a separate Compose project (CHAOS_PROJECT,
by default stack-chaos, image tag chaos) with fresh secrets on free host ports,
built and started for the session and removed with its volumes at the end,
unless KEEP_CHAOS_STACK=1."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from stack_testing import ComposeStack

PROJECT = os.environ.get("CHAOS_PROJECT", "stack-chaos")
IMAGE_TAG = os.environ.get("CHAOS_IMAGE_TAG", "chaos")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeStack]:
    stack = ComposeStack.from_env_example(
        PROJECT,
        tmp_path_factory.mktemp("chaos"),
        image_tag=IMAGE_TAG,
        API_TITLE=PROJECT,
        # Short limits: a task held by a dead worker comes back soon.
        TASK_SOFT_TIME_LIMIT_SECONDS="8",
        TASK_TIME_LIMIT_SECONDS="10",
        # The sweeper publishes again what Redis lost this soon (hard limit + 20 s).
        TASK_REPUBLISH_AFTER_SECONDS="30",
    )
    with stack.running(keep_variable="KEEP_CHAOS_STACK"):
        yield stack
