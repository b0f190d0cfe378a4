"""Tasks: enqueue work for the worker and follow it.

A 202 means the task is recorded in Postgres (stack_backend.task_store): it
will run, at least once, whatever becomes of its message in Redis. Its state
is read from the same record."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, status
from pydantic import BaseModel, Field
from stack_db.task_records import PENDING
from stack_worker.contract import NEAREST_DOCUMENT_TASK, PING_TASK
from starlette.concurrency import run_in_threadpool

from stack_backend.deps import ClientsDep, TaskStoreDep
from stack_backend.task_queue import started_by

router = APIRouter(prefix="/tasks", tags=["tasks"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Any unique string, chosen by the client for one request. Sent again "
        "with the same request (after a 503, a timeout or a reset, when the client cannot "
        "know whether the task was accepted), it answers the task accepted the first time "
        "instead of accepting a second one.",
    ),
]


class TaskAccepted(BaseModel):
    task_id: str


class TaskStatus(BaseModel):
    task_id: str
    state: str = Field(
        description="PENDING (accepted, not finished: queued, or about to be sent again), "
        "STARTED (a worker runs it), SUCCESS or FAILURE"
    )
    result: Any = Field(description="The return value on SUCCESS, the error on FAILURE")
    worker: str | None = Field(default=None, description="The worker node that ran it, once known")


class NearestDocumentRequest(BaseModel):
    content: str = Field(min_length=1, max_length=10_000)
    embedding: list[Annotated[float, Field(allow_inf_nan=False)]] = Field(
        min_length=1, max_length=16_000
    )


@router.post("/ping", status_code=status.HTTP_202_ACCEPTED)
async def enqueue_ping(tasks: TaskStoreDep, idempotency_key: IdempotencyKey = None) -> TaskAccepted:
    """Enqueue the dummy task."""
    task_id = await run_in_threadpool(tasks.submit, PING_TASK, [], idempotency_key)
    return TaskAccepted(task_id=task_id)


@router.post("/nearest", status_code=status.HTTP_202_ACCEPTED)
async def enqueue_nearest(
    body: NearestDocumentRequest, clients: ClientsDep, idempotency_key: IdempotencyKey = None
) -> TaskAccepted:
    """Store a document with its embedding, and find its nearest stored neighbour."""
    expected = clients.database.embedding_dimension
    if len(body.embedding) != expected:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"embedding has {len(body.embedding)} values; EMBEDDING_DIMENSION is {expected}",
        )
    args = [body.content, body.embedding]
    task_id = await run_in_threadpool(
        clients.tasks.submit, NEAREST_DOCUMENT_TASK, args, idempotency_key
    )
    return TaskAccepted(task_id=task_id)


@router.get("/{task_id}", responses={404: {"description": "No task was accepted with this id"}})
async def get_task(task_id: uuid.UUID, tasks: TaskStoreDep) -> TaskStatus:
    """A task's state, from its record in Postgres; while it has no outcome,
    STARTED, with the worker, if Celery's state in Redis says a worker runs it."""
    record = await run_in_threadpool(tasks.status, str(task_id))
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no task {task_id} was accepted here")
    state, worker = record.state, record.worker
    if state == PENDING:
        running_on = await run_in_threadpool(started_by, tasks.publisher, record.task_id)
        if running_on is not None:
            state, worker = "STARTED", running_on or None
    return TaskStatus(task_id=record.task_id, state=state, result=record.result, worker=worker)
