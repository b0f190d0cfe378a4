"""The API's health probe of Postgres: one connection kept open and used on the
event loop (psycopg's async API), so a check is a single round trip and never
waits for a thread.

The pooled engine's way, a thread per check that checks a connection out,
pings it, begins, queries and rolls back, took twice as long with one client
(p50 1.5 ms against 0.8 ms) and held /health at 50 clients to 0.39x the
throughput of /health/live (0.57x with this probe): each of those round trips
had to get the GIL back from the busy event loop (docs/dev/performance.md).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import psycopg
from stack_db.database_settings import DatabaseSettings

VECTOR_VERSION_QUERY = "SELECT extversion FROM pg_extension WHERE extname = 'vector'"


@dataclass(frozen=True)
class DatabaseStatus:
    reachable: bool
    vector_version: str | None
    error: str | None = None


def one_line(exc: BaseException) -> str:
    """An error as one line: its type and the first line of its message."""
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0] if first else ''}".strip()


class DatabaseProbe:
    """Is Postgres up, and which pgvector does it have? One check at a time."""

    def __init__(self, settings: DatabaseSettings, application_name: str = "stack") -> None:
        url = settings.sqlalchemy_url
        self._connect_options: dict[str, Any] = {
            "host": url.host,
            "port": url.port,
            "user": url.username,
            "password": url.password,
            "dbname": url.database,
            "connect_timeout": settings.db_connect_timeout_seconds,
            "application_name": application_name,
            "autocommit": True,
        }
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._lock = asyncio.Lock()

    async def check(self) -> DatabaseStatus:
        async with self._lock:
            try:
                if self._connection is not None:
                    try:
                        return await self._query(self._connection)
                    except psycopg.Error:
                        # It broke since the last check (Postgres restarted): a new one.
                        self._discard()
                self._connection = await psycopg.AsyncConnection.connect(**self._connect_options)
                return await self._query(self._connection)
            except psycopg.Error as exc:
                self._discard()
                return DatabaseStatus(reachable=False, vector_version=None, error=one_line(exc))
            except BaseException:
                # Cut off (a timeout): the connection may be mid-query; start afresh.
                self._discard()
                raise

    async def close(self) -> None:
        async with self._lock:
            self._discard()

    @staticmethod
    async def _query(connection: psycopg.AsyncConnection[Any]) -> DatabaseStatus:
        cursor = await connection.execute(VECTOR_VERSION_QUERY)
        row = await cursor.fetchone()
        return DatabaseStatus(reachable=True, vector_version=row[0] if row else None)

    def _discard(self) -> None:
        if self._connection is not None:
            self._connection.pgconn.finish()  # closes the socket now, without a round trip
            self._connection = None
