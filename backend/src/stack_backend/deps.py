"""Request dependencies, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from celery import Celery
from fastapi import Depends, Request
from sqlmodel import Session

from stack_backend.container import Container


# `async def` although nothing is awaited: FastAPI runs a plain `def` dependency
# in its thread pool, a thread hop on every request for an attribute lookup.
async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def get_celery(container: ContainerDep) -> Celery:
    return container.celery


def get_session(container: ContainerDep) -> Iterator[Session]:
    with container.sessions() as session:
        yield session


CeleryDep = Annotated[Celery, Depends(get_celery)]
SessionDep = Annotated[Session, Depends(get_session)]
