"""The clients the API holds for its lifetime: database, Redis, Celery."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio
from celery import Celery
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session
from stack_db.engine import create_db_engine, create_session_factory
from stack_db.probe import DatabaseProbe
from stack_db.settings import DatabaseSettings
from stack_worker.celery_app import create_celery

from stack_backend.settings import ApiSettings


@dataclass
class Container:
    settings: ApiSettings
    database: DatabaseSettings
    engine: Engine
    sessions: sessionmaker[Session]
    redis: redis.asyncio.Redis
    celery: Celery
    # /health's own Postgres connection, used on the event loop.
    database_probe: DatabaseProbe
    # The dependency check in progress, which concurrent /health callers share.
    health_check_in_flight: asyncio.Task[Any] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    async def close(self) -> None:
        await self.redis.aclose()
        await self.database_probe.close()
        self.celery.close()
        self.engine.dispose()


def build_container(settings: ApiSettings, database: DatabaseSettings) -> Container:
    """Create the clients. Nothing connects yet: connections open on first use."""
    engine = create_db_engine(database, application_name="stack-api")
    timeout = settings.redis_socket_timeout_seconds
    return Container(
        settings=settings,
        database=database,
        engine=engine,
        sessions=create_session_factory(engine),
        redis=redis.asyncio.Redis.from_url(
            settings.redis_url_with_password,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        ),
        celery=create_celery(settings, name="stack-api"),
        database_probe=DatabaseProbe(database, application_name="stack-api-health"),
    )
