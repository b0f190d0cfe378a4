from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from redis.exceptions import ConnectionError as RedisConnectionError
from stack_backend import health_report as health
from stack_backend.clients import Clients
from stack_backend.database_probe import DatabaseStatus

if TYPE_CHECKING:
    from .conftest import FakeInfra


def test_all_up_is_200_with_every_component(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["service"] == "test-api"
    assert body["environment"] == "local"
    assert {name: c["status"] for name, c in body["components"].items()} == {
        "database": "up",
        "vector": "up",
        "redis": "up",
        "worker": "up",
    }
    assert body["components"]["vector"]["detail"] == "pgvector 0.8.0"


def test_database_outage_is_503(client: TestClient, infra: FakeInfra) -> None:
    infra.database = DatabaseStatus(reachable=False, vector_version=None, error="refused")
    response = client.get("/health")
    assert response.status_code == 503
    components = response.json()["components"]
    assert components["database"] == {"status": "down", "required": True, "detail": "refused"}
    assert components["vector"]["status"] == "down"
    assert components["redis"]["status"] == "up"


def test_missing_vector_extension_is_503(client: TestClient, infra: FakeInfra) -> None:
    infra.database = DatabaseStatus(reachable=True, vector_version=None)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["components"]["vector"]["detail"] == "extension 'vector' missing"


def test_redis_outage_is_503(client: TestClient, infra: FakeInfra) -> None:
    infra.pipeline.error = RedisConnectionError("Connection refused")
    response = client.get("/health")
    assert response.status_code == 503
    components = response.json()["components"]
    assert components["redis"]["status"] == "down"
    assert "Connection refused" in components["redis"]["detail"]
    assert components["worker"]["status"] == "down"


def test_no_worker_is_degraded_but_200(client: TestClient, infra: FakeInfra) -> None:
    infra.pipeline.workers = 0
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["components"]["worker"]["detail"].startswith("no worker heartbeat")


def test_a_hung_database_check_is_cut_off(
    client: TestClient, infra: FakeInfra, monkeypatch: object
) -> None:
    async def never(*args: object) -> DatabaseStatus:
        await asyncio.sleep(10)
        raise AssertionError("unreachable")

    clients = client.app.state.clients  # type: ignore[attr-defined]
    clients.settings.health_check_timeout_seconds = 0.05
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clients.database_probe, "check", never)
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["components"]["database"]["detail"] == "no answer in 0.05s"


def test_liveness_touches_no_dependency(client: TestClient, infra: FakeInfra) -> None:
    infra.pipeline.error = RedisConnectionError("down")
    infra.database = DatabaseStatus(reachable=False, vector_version=None, error="down")
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


async def test_concurrent_callers_share_one_check(
    clients: Clients, monkeypatch: pytest.MonkeyPatch, infra: FakeInfra
) -> None:
    checks = 0
    release = asyncio.Event()

    async def slow_check() -> DatabaseStatus:
        nonlocal checks
        checks += 1
        await release.wait()
        return infra.database

    monkeypatch.setattr(clients.database_probe, "check", slow_check)
    callers = [asyncio.create_task(health.check_health(clients)) for _ in range(20)]
    await asyncio.sleep(0)
    release.set()
    reports = await asyncio.gather(*callers)
    assert checks == 1
    assert all(report is reports[0] for report in reports)
    assert clients.health_check_in_flight is None
    await health.check_health(clients)  # a later caller gets a check of its own
    assert checks == 2


async def test_a_caller_going_away_leaves_the_shared_check_running(
    clients: Clients, monkeypatch: pytest.MonkeyPatch, infra: FakeInfra
) -> None:
    release = asyncio.Event()

    async def slow_check() -> DatabaseStatus:
        await release.wait()
        return infra.database

    monkeypatch.setattr(clients.database_probe, "check", slow_check)
    leaving = asyncio.create_task(health.check_health(clients))
    staying = asyncio.create_task(health.check_health(clients))
    await asyncio.sleep(0)
    leaving.cancel()
    release.set()
    assert (await staying).status == "ok"
    assert leaving.cancelled()
