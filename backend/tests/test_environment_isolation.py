"""The root conftest's isolation: a setting exported by a developer's shell does
not reach the unit tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from stack_backend.settings import ApiSettings


@pytest.fixture(scope="module")
def exported_by_the_shell() -> Iterator[None]:
    """Module scope: set before the per-test isolation runs, as a shell's would be."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAX_REQUEST_BODY_BYTES", "2048")
        patch.setenv("worker_concurrency", "7")  # pydantic-settings ignores case
        yield


@pytest.mark.usefixtures("exported_by_the_shell")
def test_settings_variables_from_the_shell_are_cleared() -> None:
    assert "MAX_REQUEST_BODY_BYTES" not in os.environ
    assert "worker_concurrency" not in os.environ
    assert ApiSettings(redis_password="unused").max_request_body_bytes == 1_048_576
