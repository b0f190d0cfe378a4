"""Mocked clients: the API runs with no database, Redis or broker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import MagicMock

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from stack_backend.app import create_app
from stack_backend.clients import Clients
from stack_backend.database_probe import DatabaseStatus
from stack_backend.settings import ApiSettings
from stack_db.database_settings import DatabaseSettings
from stack_db.models import TaskRecord


@dataclass
class FakePipeline:
    """redis.asyncio's pipeline, as /health uses it."""

    workers: int = 1
    queued: int = 0
    error: Exception | None = None
    calls: list[str] = field(default_factory=list)

    async def __aenter__(self) -> FakePipeline:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def ping(self) -> None:
        self.calls.append("ping")

    def zcount(self, key: str, low: float, high: str) -> None:
        self.calls.append(f"zcount {key}")

    def llen(self, key: str) -> None:
        self.calls.append(f"llen {key}")

    async def execute(self) -> list[Any]:
        if self.error:
            raise self.error
        return [True, self.workers, self.queued]


@dataclass
class FakeTaskStore:
    """The API's TaskStore: records in a dict; `error` is raised by every call."""

    records: dict[str, TaskRecord] = field(default_factory=dict)
    error: Exception | None = None
    publisher: MagicMock = field(default_factory=MagicMock)
    sweeps: list[float] = field(default_factory=list)

    def submit(self, name: str, args: list[Any], idempotency_key: str | None = None) -> str:
        if self.error:
            raise self.error
        for record in self.records.values():
            if idempotency_key and record.idempotency_key == idempotency_key:
                return record.task_id
        task_id = f"task-{len(self.records) + 1}"
        self.records[task_id] = TaskRecord(
            task_id=task_id, name=name, args=args, idempotency_key=idempotency_key
        )
        return task_id

    def status(self, task_id: str) -> TaskRecord | None:
        if self.error:
            raise self.error
        return self.records.get(task_id)

    def republish_overdue(self, older_than_seconds: float) -> int:
        self.sweeps.append(older_than_seconds)
        return 0


@dataclass
class FakeInfra:
    database: DatabaseStatus = field(
        default_factory=lambda: DatabaseStatus(reachable=True, vector_version="0.8.0")
    )
    pipeline: FakePipeline = field(default_factory=FakePipeline)
    publisher: MagicMock = field(default_factory=MagicMock)
    tasks: FakeTaskStore = field(default_factory=FakeTaskStore)
    closed: bool = False


@pytest.fixture
def api_settings() -> ApiSettings:
    return ApiSettings(redis_password="pw", api_title="test-api")


class FakeProbe:
    """The API's DatabaseProbe: answers what the test put in `infra.database`."""

    def __init__(self, infra: FakeInfra) -> None:
        self.infra = infra
        self.checks = 0
        self.closed = False

    async def check(self) -> DatabaseStatus:
        self.checks += 1
        return self.infra.database

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def infra() -> FakeInfra:
    return FakeInfra()


@pytest.fixture
def clients(api_settings: ApiSettings, infra: FakeInfra) -> Clients:
    redis_client = MagicMock()
    redis_client.pipeline.side_effect = lambda transaction: infra.pipeline

    async def aclose() -> None:
        infra.closed = True

    redis_client.aclose = aclose
    return Clients(
        settings=api_settings,
        database=DatabaseSettings(postgres_password="pw"),
        redis=redis_client,
        publisher=infra.publisher,
        database_probe=FakeProbe(infra),  # type: ignore[arg-type]
        tasks=infra.tasks,  # type: ignore[arg-type]
    )


@pytest.fixture
def app(api_settings: ApiSettings, clients: Clients) -> FastAPI:
    return create_app(api_settings, clients.database, clients=clients)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def post_mcp_initialize() -> Callable[..., Response]:
    """POST an MCP `initialize` request to /mcp/ with a test client and extra headers."""

    def post(client: TestClient, **headers: str) -> Response:
        return client.post(
            "/mcp/",
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "test", "version": "1"},
                },
            },
            headers={"accept": "application/json, text/event-stream", **headers},
        )

    return post
