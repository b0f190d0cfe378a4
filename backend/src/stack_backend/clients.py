"""The clients the API holds for its lifetime: Redis, the task publisher, the
task store (Postgres), and /health's database probe. Building them connects
to nothing; connections open on first use."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio
from celery import Celery
from sqlalchemy import Engine
from stack_db.database_settings import DatabaseSettings
from stack_db.engine import create_db_engine, create_session_factory
from stack_worker.contract import create_publisher

from stack_backend.database_probe import DatabaseProbe
from stack_backend.settings import ApiSettings
from stack_backend.task_store import TaskStore


@dataclass
class Clients:
    settings: ApiSettings
    database: DatabaseSettings
    redis: redis.asyncio.Redis
    # Sends tasks by name and reads their results (stack_worker.contract).
    publisher: Celery
    # /health's own Postgres connection, used on the event loop.
    database_probe: DatabaseProbe
    # Where accepted tasks are recorded and their outcomes read (Postgres).
    tasks: TaskStore
    # The pooled engine under `tasks`, disposed of at shutdown.
    engine: Engine | None = None
    # The dependency check in progress, which concurrent /health callers share.
    health_check_in_flight: asyncio.Task[Any] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    async def close(self) -> None:
        await self.redis.aclose()
        await self.database_probe.close()
        self.publisher.close()
        if self.engine is not None:
            self.engine.dispose()


def build_clients(settings: ApiSettings, database: DatabaseSettings) -> Clients:
    timeout = settings.redis_socket_timeout_seconds
    publisher = create_publisher(settings, name="stack-api")
    engine = create_db_engine(database, application_name="stack-api")
    return Clients(
        settings=settings,
        database=database,
        redis=redis.asyncio.Redis.from_url(
            settings.redis_url_with_password,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        ),
        publisher=publisher,
        database_probe=DatabaseProbe(database, application_name="stack-api-health"),
        tasks=TaskStore(create_session_factory(engine), publisher),
        engine=engine,
    )
