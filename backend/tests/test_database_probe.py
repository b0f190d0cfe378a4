from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import psycopg
import pytest
from stack_backend import database_probe as probe
from stack_backend.database_probe import DatabaseProbe
from stack_db.database_settings import DatabaseSettings


def fake_connection(version: str | None = "0.8.0", error: Exception | None = None) -> MagicMock:
    connection = MagicMock()
    cursor = MagicMock()
    cursor.fetchone = AsyncMock(return_value=(version,) if version else None)
    connection.execute = AsyncMock(return_value=cursor, side_effect=error)
    return connection


@pytest.fixture
def connect(monkeypatch: pytest.MonkeyPatch) -> AsyncMock:
    mock = AsyncMock()
    monkeypatch.setattr(probe.psycopg.AsyncConnection, "connect", mock)
    return mock


def make_probe() -> DatabaseProbe:
    settings = DatabaseSettings(postgres_password="pw", postgres_host="db", postgres_db="stack")
    return DatabaseProbe(settings, application_name="test-health")


async def test_connects_once_in_autocommit_and_reuses_the_connection(connect: AsyncMock) -> None:
    connection = fake_connection()
    connect.return_value = connection
    database = make_probe()
    first, second = await database.check(), await database.check()
    assert first.reachable
    assert first.vector_version == "0.8.0"
    assert second == first
    connect.assert_awaited_once()
    options: dict[str, Any] = connect.call_args.kwargs
    assert options["autocommit"] is True
    assert (options["host"], options["dbname"], options["password"]) == ("db", "stack", "pw")
    assert options["application_name"] == "test-health"
    assert connection.execute.await_count == 2


async def test_a_missing_extension_is_reachable_without_a_version(connect: AsyncMock) -> None:
    connect.return_value = fake_connection(version=None)
    status = await make_probe().check()
    assert status.reachable
    assert status.vector_version is None


async def test_an_outage_is_reported_in_one_line(connect: AsyncMock) -> None:
    connect.side_effect = psycopg.OperationalError("connection refused\nIs the server running?")
    status = await make_probe().check()
    assert not status.reachable
    assert status.error == "OperationalError: connection refused"


async def test_a_broken_kept_connection_is_replaced(connect: AsyncMock) -> None:
    broken = fake_connection()
    connect.return_value = broken
    database = make_probe()
    assert (await database.check()).reachable
    broken.execute.side_effect = psycopg.OperationalError("server closed the connection")
    connect.return_value = fake_connection()
    assert (await database.check()).reachable  # Postgres restarted: no false "down"
    broken.pgconn.finish.assert_called_once()
    assert connect.await_count == 2


async def test_a_cut_off_check_drops_its_connection(connect: AsyncMock) -> None:
    hanging = fake_connection()

    async def never(*args: object) -> None:
        await asyncio.sleep(10)

    hanging.execute = never
    connect.return_value = hanging
    database = make_probe()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(database.check(), 0.01)
    hanging.pgconn.finish.assert_called_once()
    connect.return_value = fake_connection()
    assert (await database.check()).reachable


async def test_close_drops_the_connection(connect: AsyncMock) -> None:
    connection = fake_connection()
    connect.return_value = connection
    database = make_probe()
    await database.check()
    await database.close()
    await database.close()
    connection.pgconn.finish.assert_called_once()
