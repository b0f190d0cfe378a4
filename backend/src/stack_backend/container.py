"""The clients the API holds for its lifetime: database, Redis, Celery."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio
from celery import Celery
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session
from stack_db.engine import create_db_engine, create_session_factory
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

    async def close(self) -> None:
        await self.redis.aclose()
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
    )
