"""The clients the API holds for its lifetime: Redis, the task publisher, and
/health's database probe. Building them connects to nothing; connections open
on first use."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio
from celery import Celery
from stack_db.database_settings import DatabaseSettings
from stack_worker.contract import create_publisher

from stack_backend.database_probe import DatabaseProbe
from stack_backend.settings import ApiSettings


@dataclass
class Clients:
    settings: ApiSettings
    database: DatabaseSettings
    redis: redis.asyncio.Redis
    # Sends tasks by name and reads their results (stack_worker.contract).
    publisher: Celery
    # /health's own Postgres connection, used on the event loop.
    database_probe: DatabaseProbe
    # The dependency check in progress, which concurrent /health callers share.
    health_check_in_flight: asyncio.Task[Any] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    async def close(self) -> None:
        await self.redis.aclose()
        await self.database_probe.close()
        self.publisher.close()


def build_clients(settings: ApiSettings, database: DatabaseSettings) -> Clients:
    timeout = settings.redis_socket_timeout_seconds
    return Clients(
        settings=settings,
        database=database,
        redis=redis.asyncio.Redis.from_url(
            settings.redis_url_with_password,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        ),
        publisher=create_publisher(settings, name="stack-api"),
        database_probe=DatabaseProbe(database, application_name="stack-api-health"),
    )
