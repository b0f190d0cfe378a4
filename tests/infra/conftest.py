"""The infra tests' own stack: a separate Compose project with its own env file,
fresh secrets, host ports and image tag, so a developer's `just up` stack is
never touched.

It is built and brought up once per session and removed with its volumes at the
end, unless KEEP_INFRA_STACK=1 (then the command that reaches it is printed).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness import PROJECT, Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack.from_env_example(
        PROJECT,
        tmp_path_factory.mktemp("infra"),
        API_TITLE="stack-infra",
        # Short, so that test_77 sees it cancel a statement in seconds.
        POSTGRES_APP_STATEMENT_TIMEOUT="3s",
        # Short limits: a crashed worker's task comes back 10 + 10 s later.
        TASK_SOFT_TIME_LIMIT_SECONDS="8",
        TASK_TIME_LIMIT_SECONDS="10",
        # A task Redis never got is published again this soon.
        TASK_REPUBLISH_AFTER_SECONDS="15",
        TASK_SWEEP_INTERVAL_SECONDS="2",
    )
    with stack.running(keep_variable="KEEP_INFRA_STACK"):
        yield stack
