"""Phase 1 manual test 5: a changed variable in the env file reaches the
running service after `up`."""

from __future__ import annotations

import uuid

from harness import Stack


def test_changed_api_title_is_reported_after_up(stack: Stack) -> None:
    original = stack.settings["API_TITLE"]
    renamed = f"renamed-{uuid.uuid4().hex[:8]}"
    try:
        stack.write_env(API_TITLE=renamed)
        stack.up()
        assert stack.wait_for("/health").json()["service"] == renamed
        assert stack.wait_for("/openapi.json").json()["info"]["title"] == renamed
    finally:
        stack.write_env(API_TITLE=original)
        stack.up()
    assert stack.wait_for("/health").json()["service"] == original
