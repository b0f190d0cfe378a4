"""The task records (the outbox and the outcomes) against a real Postgres."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session
from stack_db.engine import create_session_factory
from stack_db.migrate import upgrade_to_head
from stack_db.task_records import (
    FAILURE,
    PENDING,
    SUCCESS,
    claim_overdue,
    finish_task,
    get_task,
    record_task,
)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    upgrade_to_head(engine, embedding_dimension=3)
    with create_session_factory(engine)() as session:
        yield session


def test_a_record_is_pending_until_its_first_outcome(session: Session) -> None:
    recorded = record_task(session, "t1", "stack.ping", [])
    session.commit()
    assert recorded.created
    assert recorded.record.state == PENDING
    assert finish_task(session, "t1", SUCCESS, {"stored_id": 1}, "celery@w1")
    # A second run of the same task (a redelivery) does not overwrite the outcome.
    assert not finish_task(session, "t1", FAILURE, "late", "celery@w2")
    session.commit()
    record = get_task(session, "t1")
    assert record is not None
    assert (record.state, record.result, record.worker) == (SUCCESS, {"stored_id": 1}, "celery@w1")
    assert record.finished_at is not None
    assert not finish_task(session, "nobody", SUCCESS, None, None)


def test_an_idempotency_key_or_an_id_recorded_before_returns_the_first_record(
    session: Session,
) -> None:
    first = record_task(session, "t1", "stack.nearest", ["a", [1, 2, 3]], idempotency_key="k")
    again = record_task(session, "t2", "stack.nearest", ["a", [1, 2, 3]], idempotency_key="k")
    same_id = record_task(session, "t1", "stack.ping", [])
    session.commit()
    assert [first.created, again.created, same_id.created] == [True, False, False]
    assert again.record.task_id == same_id.record.task_id == "t1"
    assert get_task(session, "t2") is None


def test_the_sweeper_claims_only_what_is_unfinished_and_overdue(session: Session) -> None:
    for task_id in ("old", "done", "new"):
        record_task(session, task_id, "stack.ping", [])
    session.exec(  # type: ignore[call-overload]
        text(
            "UPDATE task_record SET published_at = now() - interval '1 minute' "
            "WHERE task_id IN ('old', 'done')"
        )
    )
    finish_task(session, "done", SUCCESS, "pong", "w")
    session.commit()

    claimed = claim_overdue(session, older_than_seconds=30, limit=10)
    session.commit()
    assert [record.task_id for record in claimed] == ["old"]
    old = get_task(session, "old")
    assert old is not None
    assert old.publish_count == 2
    # Published again just now: not overdue any more.
    assert claim_overdue(session, older_than_seconds=30, limit=10) == []
