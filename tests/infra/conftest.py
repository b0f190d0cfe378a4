"""The infra tests' own stack: a separate Compose project with its own env file,
host ports and image tag, so a developer's `just up` stack is never touched.

It is built and brought up once per session and removed with its volumes at the
end, unless KEEP_INFRA_STACK=1 (then the command that reaches it is printed).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator

import pytest
from harness import PROJECT, Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack.from_env_example(
        PROJECT,
        tmp_path_factory.mktemp("infra"),
        API_TITLE="stack-infra",
        # Real secrets, so the tests can look for them where they must not be.
        POSTGRES_PASSWORD=secrets.token_urlsafe(24),
        POSTGRES_APP_PASSWORD=secrets.token_urlsafe(24),
        # Short, so that test_77 sees it cancel a statement in seconds.
        POSTGRES_APP_STATEMENT_TIMEOUT="3s",
        REDIS_PASSWORD=secrets.token_urlsafe(24),
        REDIS_API_PASSWORD=secrets.token_urlsafe(24),
        REDIS_WORKER_PASSWORD=secrets.token_urlsafe(24),
        # Short limits: a crashed worker's task comes back 10 + 10 s later.
        TASK_SOFT_TIME_LIMIT_SECONDS="8",
        TASK_TIME_LIMIT_SECONDS="10",
        # A task Redis never got is published again this soon.
        TASK_REPUBLISH_AFTER_SECONDS="15",
        TASK_SWEEP_INTERVAL_SECONDS="2",
    )
    stack.remove()
    started = time.monotonic()
    stack.up(build=True, wait_timeout=300)
    print(f"\ninfra stack {PROJECT} built and healthy in {time.monotonic() - started:.1f}s")
    try:
        yield stack
    finally:
        if os.environ.get("KEEP_INFRA_STACK") == "1":
            print(f"\nkept: {stack.printable()} ...")
        else:
            stack.remove()
