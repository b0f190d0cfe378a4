"""Tasks: enqueue work for the worker and follow it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field
from stack_worker.contract import NEAREST_DOCUMENT_TASK, PING_TASK

from stack_backend.deps import ClientsDep, PublisherDep
from stack_backend.task_queue import publish, task_state

router = APIRouter(prefix="/tasks", tags=["tasks"])


class TaskAccepted(BaseModel):
    task_id: str


class TaskStatus(BaseModel):
    task_id: str
    state: str = Field(
        description="Celery's state: PENDING (also for an id nobody knows), STARTED, "
        "RETRY, SUCCESS, FAILURE or REVOKED"
    )
    result: Any = Field(description="The return value on SUCCESS, the error on FAILURE")
    worker: str | None = Field(default=None, description="The worker node that ran it, once known")


class NearestDocumentRequest(BaseModel):
    content: str = Field(min_length=1, max_length=10_000)
    embedding: list[Annotated[float, Field(allow_inf_nan=False)]] = Field(
        min_length=1, max_length=16_000
    )


@router.post("/ping", status_code=status.HTTP_202_ACCEPTED)
async def enqueue_ping(publisher: PublisherDep) -> TaskAccepted:
    """Enqueue the dummy task."""
    return TaskAccepted(task_id=await publish(publisher, PING_TASK))


@router.post("/nearest", status_code=status.HTTP_202_ACCEPTED)
async def enqueue_nearest(body: NearestDocumentRequest, clients: ClientsDep) -> TaskAccepted:
    """Store a document with its embedding, and find its nearest stored neighbour."""
    expected = clients.database.embedding_dimension
    if len(body.embedding) != expected:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"embedding has {len(body.embedding)} values; EMBEDDING_DIMENSION is {expected}",
        )
    task_id = await publish(clients.publisher, NEAREST_DOCUMENT_TASK, body.content, body.embedding)
    return TaskAccepted(task_id=task_id)


@router.get("/{task_id}")
async def get_task(task_id: uuid.UUID, publisher: PublisherDep) -> TaskStatus:
    """A task's state. Celery cannot tell an unknown id from a queued task:
    both answer PENDING."""
    state, result, worker = await task_state(publisher, str(task_id))
    return TaskStatus(task_id=str(task_id), state=state, result=result, worker=worker)
