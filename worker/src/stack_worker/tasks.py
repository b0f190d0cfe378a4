"""The worker's tasks. Delivery is at least once: a task may run again after a
crash, so each must be safe to repeat."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from celery import Task, shared_task
from stack_db.documents import nearest_documents, store_document

from stack_worker import database
from stack_worker.contract import NEAREST_DOCUMENT_TASK, PING_TASK, SLEEP_TASK


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


@shared_task(name=NEAREST_DOCUMENT_TASK, bind=True)
def store_and_find_nearest(
    self: Task[Any, Any], content: str, embedding: list[float]
) -> dict[str, Any]:
    """Store a document and return its nearest stored neighbour (pgvector, L2).

    Idempotent: the row is keyed by the task id, so a redelivered run (after a
    crash) finds the row the first run stored and answers the same."""
    with database.session_factory()() as session:
        document = store_document(session, content, embedding, task_id=self.request.id)
        assert document.id is not None
        neighbours = nearest_documents(session, embedding, limit=1, exclude_id=document.id)
    return {
        "stored_id": document.id,
        "nearest": asdict(neighbours[0]) if neighbours else None,
    }
