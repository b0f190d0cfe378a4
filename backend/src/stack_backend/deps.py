"""Request dependencies, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from celery import Celery
from fastapi import Depends, Request

from stack_backend.clients import Clients
from stack_backend.task_store import TaskStore


# `async def` although nothing is awaited: FastAPI runs a plain `def` dependency
# in its thread pool, a thread hop on every request for an attribute lookup.
async def get_clients(request: Request) -> Clients:
    clients: Clients = request.app.state.clients
    return clients


ClientsDep = Annotated[Clients, Depends(get_clients)]


async def get_publisher(clients: ClientsDep) -> Celery:
    return clients.publisher


PublisherDep = Annotated[Celery, Depends(get_publisher)]


async def get_task_store(clients: ClientsDep) -> TaskStore:
    return clients.tasks


TaskStoreDep = Annotated[TaskStore, Depends(get_task_store)]
