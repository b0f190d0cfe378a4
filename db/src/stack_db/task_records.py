"""The task records: the outbox the API writes before it answers 202, the
outcome the worker writes in the same transaction as the task's effect, and
the sweeper's query for what must be published again.

States: PENDING (accepted, not finished: queued, running, or lost in Redis),
SUCCESS, FAILURE. Only the first outcome counts: a task that runs again after
a redelivery does not overwrite it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select, update

from stack_db.models import TaskRecord

PENDING = "PENDING"
SUCCESS = "SUCCESS"
FAILURE = "FAILURE"


@dataclass(frozen=True)
class Recorded:
    record: TaskRecord
    created: bool  # False: an earlier request with the same idempotency key made it


def record_task(
    session: Session,
    task_id: str,
    name: str,
    args: Sequence[Any],
    idempotency_key: str | None = None,
) -> Recorded:
    """Insert a PENDING record (the caller commits). When the id, or the
    idempotency key, is already recorded, nothing is inserted and the earlier
    record is returned instead."""
    inserted = session.exec(
        insert(TaskRecord)
        .values(task_id=task_id, name=name, args=list(args), idempotency_key=idempotency_key)
        .on_conflict_do_nothing()
        .returning(col(TaskRecord.task_id))
    ).first()
    if inserted is not None:
        return Recorded(_one(session, TaskRecord.task_id == task_id), created=True)
    if idempotency_key is not None:
        return Recorded(_one(session, TaskRecord.idempotency_key == idempotency_key), created=False)
    return Recorded(_one(session, TaskRecord.task_id == task_id), created=False)


def _one(session: Session, condition: Any) -> TaskRecord:
    return session.exec(select(TaskRecord).where(condition)).one()


def get_task(session: Session, task_id: str) -> TaskRecord | None:
    return session.get(TaskRecord, task_id)


def finish_task(
    session: Session, task_id: str, state: str, result: Any, worker: str | None
) -> bool:
    """Record a task's outcome unless one is recorded already (the caller
    commits, with the task's effect). False: no such record, or finished before."""
    finished = session.exec(
        update(TaskRecord)
        .where(col(TaskRecord.task_id) == task_id, col(TaskRecord.state) == PENDING)
        .values(state=state, result=result, worker=worker, finished_at=func.now())
    )
    return bool(finished.rowcount)


def claim_overdue(session: Session, older_than_seconds: float, limit: int) -> list[TaskRecord]:
    """Unfinished tasks last published more than `older_than_seconds` ago, locked
    (other sweepers skip them) and marked published now; the caller publishes
    them, then commits."""
    overdue = session.exec(
        select(TaskRecord)
        .where(
            col(TaskRecord.state) == PENDING,
            col(TaskRecord.published_at)
            < func.now() - text("make_interval(secs => :age)").bindparams(age=older_than_seconds),
        )
        .order_by(col(TaskRecord.published_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if overdue:
        session.exec(
            update(TaskRecord)
            .where(col(TaskRecord.task_id).in_([record.task_id for record in overdue]))
            .values(published_at=func.now(), publish_count=TaskRecord.publish_count + 1)
        )
    return list(overdue)
