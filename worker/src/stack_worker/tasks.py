"""The worker's tasks. Delivery is at least once: a task may run again after a
crash, so each must be safe to repeat."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import tenacity
from celery import Task, shared_task
from stack_db.documents import nearest_documents, store_document
from stack_db.engine import is_transient
from stack_db.task_records import SUCCESS, finish_task

from stack_worker import database, outcomes
from stack_worker.contract import (
    CPU_BURN_TASK,
    NEAREST_DOCUMENT_TASK,
    PING_TASK,
    SLEEP_TASK,
)

# About 20 ms of one core of this project's CI host (2 cores, Python 3.13).
CPU_BURN_DEFAULT_ITERATIONS = 230_000
CPU_BURN_MAX_ITERATIONS = 50_000_000


@shared_task(name=PING_TASK)
def ping() -> str:
    """The dummy task: proves a worker takes tasks from the broker and answers."""
    return "pong"


@shared_task(name=SLEEP_TASK)
def sleep(seconds: float) -> float:
    """Wait, then return the seconds waited: a long task, to see crashes and
    time limits at work."""
    time.sleep(seconds)
    return seconds


def burn(iterations: int) -> int:
    """Deterministic pure-Python work: a linear congruential sequence, as many
    steps as asked. Holds the GIL and touches nothing else."""
    value = 0
    for step in range(iterations):
        value = (value * 1103515245 + 12345 + step) & 0x7FFFFFFF
    return value


@shared_task(name=CPU_BURN_TASK)
def cpu_burn(iterations: int = CPU_BURN_DEFAULT_ITERATIONS) -> int:
    """A CPU-bound task of a fixed size (about 20 ms at the default), to measure
    how throughput grows with workers; returns the sequence's last value."""
    if not 0 <= iterations <= CPU_BURN_MAX_ITERATIONS:
        raise ValueError(f"iterations must be 0..{CPU_BURN_MAX_ITERATIONS}, not {iterations}")
    return burn(iterations)


# Transient database errors are retried within this share of the soft time limit;
# after that the task fails, its record stays PENDING and the sweeper sends it again.
TRANSIENT_RETRY_SHARE = 0.5


def retrying_transient_errors(task: Task[Any, Any]) -> tenacity.Retrying:
    """Bounded retries of what `is_transient` calls transient (Postgres
    restarting, a connection cut), with back-off, inside the soft time limit."""
    soft_limit = task.app.conf.task_soft_time_limit or 60
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_transient),
        wait=tenacity.wait_exponential(multiplier=0.2, max=2),
        stop=tenacity.stop_after_delay(soft_limit * TRANSIENT_RETRY_SHARE),
        reraise=True,
    )


@shared_task(name=NEAREST_DOCUMENT_TASK, bind=True)
def store_and_find_nearest(
    self: Task[Any, Any], content: str, embedding: list[float]
) -> dict[str, Any]:
    """Store a document and return its nearest stored neighbour (pgvector, L2).

    Idempotent: the row is keyed by the task id, so a redelivered run (after a
    crash) finds the row the first run stored. The row and the task's outcome
    are committed in one transaction: either both are recorded or neither."""
    task_id = self.request.id
    assert task_id is not None  # a task run by a worker always has its id
    for attempt in retrying_transient_errors(self):
        with attempt, database.session_factory()() as session:
            document = store_document(session, content, embedding, task_id=task_id, commit=False)
            assert document.id is not None
            neighbours = nearest_documents(session, embedding, limit=1, exclude_id=document.id)
            result = {
                "stored_id": document.id,
                "nearest": asdict(neighbours[0]) if neighbours else None,
            }
            finish_task(session, task_id, SUCCESS, result, self.request.hostname)
            session.commit()
    return result


outcomes.RECORD_THEMSELVES.add(NEAREST_DOCUMENT_TASK)
