"""Phase 1 manual test 4: Postgres data survives a restart, and down + up."""

from __future__ import annotations

import uuid

from harness import Stack


def test_data_survives_restart_and_down_up(stack: Stack) -> None:
    marker = f"persist-{uuid.uuid4()}"
    row_id = stack.psql(
        f"INSERT INTO document (content, embedding) VALUES ('{marker}', '[1,2,3]') RETURNING id"
    )
    count = f"SELECT count(*) FROM document WHERE content = '{marker}'"

    stack.compose.restart()
    stack.up()
    assert stack.psql(count) == "1"

    stack.down()  # volumes kept
    stack.up()
    assert stack.psql(f"SELECT id FROM document WHERE content = '{marker}'") == row_id
    assert stack.wait_for("/health").json()["status"] == "ok"
