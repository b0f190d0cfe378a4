"""The infra tests' own stack: a separate Compose project with its own env file,
host ports and image tag, so a developer's `just up` stack is never touched.

It is built and brought up once per session and removed with its volumes at the
end, unless KEEP_INFRA_STACK=1 (then `docker compose -p stack-infra ...` reaches it).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator

import pytest
from harness import PROJECT, Stack, free_port, read_env_example


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(env_file=tmp_path_factory.mktemp("infra") / "infra.env")
    stack.write_env(
        **{
            **read_env_example(),
            "API_HOST_PORT": str(free_port()),
            "FRONTEND_HOST_PORT": str(free_port()),
            "API_TITLE": "stack-infra",
            # Real secrets, so the tests can look for them where they must not be.
            "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
            "REDIS_PASSWORD": secrets.token_urlsafe(24),
            # Short limits: a crashed worker's task comes back 10 + 10 s later.
            "TASK_SOFT_TIME_LIMIT_SECONDS": "8",
            "TASK_TIME_LIMIT_SECONDS": "10",
        }
    )
    stack.compose("down", "--volumes", "--remove-orphans", check=False)
    started = time.monotonic()
    stack.compose("up", "--build", "--wait", "--wait-timeout", "300")
    print(f"\ninfra stack {PROJECT} built and healthy in {time.monotonic() - started:.1f}s")
    try:
        yield stack
    finally:
        if os.environ.get("KEEP_INFRA_STACK") == "1":
            print(f"\nkept: docker compose -p {PROJECT} --env-file {stack.env_file} ...")
        else:
            stack.compose("down", "--volumes", "--remove-orphans", check=False)
