"""Accepting tasks durably and reading their fate: Postgres is the source of
truth, Redis only carries the messages.

- `submit` commits the task's record (stack_db.task_records) before it
  publishes: once the API answers 202, the task exists even if Redis loses the
  message, restarts, or cannot be reached at that moment.
- `status` reads the record: the outcome the worker committed with the task's
  effect, or PENDING; None for an id nobody accepted.
- `republish_overdue` is the sweeper's step: what has no outcome long after
  it was last published is published again, once per sweep, by one API process
  at a time (row locks, SKIP LOCKED).

Every way Postgres can be unreachable ends in `TaskStoreUnavailable`, which
the routes map once (errors.py) to 503.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from celery import Celery
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session
from stack_db.models import TaskRecord
from stack_db.task_records import claim_overdue, get_task, record_task

from stack_backend.task_queue import BrokerUnavailable, send_once

log = logging.getLogger(__name__)

SWEEP_BATCH = 500


class TaskStoreUnavailable(Exception):
    """Postgres, where tasks are recorded, cannot be reached."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(f"the task store (Postgres) is unavailable: {cause}")


class IdempotencyKeyReused(Exception):
    """The key was sent before with another request."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Idempotency-Key {key!r} was used before for a different request; "
            "use a new key for a new request"
        )


@contextmanager
def _outage() -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as error:
        raise TaskStoreUnavailable(error) from error


@dataclass
class TaskStore:
    sessions: sessionmaker[Session]
    publisher: Celery

    def submit(self, name: str, args: Sequence[Any], idempotency_key: str | None = None) -> str:
        """Record the task, then publish it; its id. A broker outage after the
        commit is not the caller's problem: the sweeper publishes it later."""
        with _outage(), self.sessions() as session:
            recorded = record_task(session, str(uuid.uuid4()), name, args, idempotency_key)
            session.commit()
        record = recorded.record
        if not recorded.created:
            if (record.name, record.args) != (name, list(args)):
                assert idempotency_key is not None
                raise IdempotencyKeyReused(idempotency_key)
            return record.task_id
        self._publish(record)
        return record.task_id

    def status(self, task_id: str) -> TaskRecord | None:
        with _outage(), self.sessions() as session:
            return get_task(session, task_id)

    def republish_overdue(self, older_than_seconds: float) -> int:
        """Publish again what has waited too long for an outcome; how many. With
        Redis down, nothing is marked published: the next sweep tries again."""
        with _outage(), self.sessions() as session:
            overdue = claim_overdue(session, older_than_seconds, SWEEP_BATCH)
            try:
                for record in overdue:
                    send_once(self.publisher, record.name, *record.args, task_id=record.task_id)
            except BrokerUnavailable as error:
                session.rollback()
                log.warning("sweep stopped: %s", error)
                return 0
            session.commit()
        return len(overdue)

    def _publish(self, record: TaskRecord) -> None:
        try:
            send_once(self.publisher, record.name, *record.args, task_id=record.task_id)
        except BrokerUnavailable as error:
            if error.full:
                # Redis refused the message at its memory limit: nothing was
                # queued, so the task is withdrawn and the caller told (503)
                # rather than accepted into a queue that cannot take it.
                self._withdraw(record.task_id)
                raise
            log.warning("task %s recorded, not published yet: %s", record.task_id, error)

    def _withdraw(self, task_id: str) -> None:
        with _outage(), self.sessions() as session:
            record = session.get(TaskRecord, task_id)
            if record is not None:
                session.delete(record)
                session.commit()
