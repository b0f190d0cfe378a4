"""Phase 1 manual test 1 and 2: every service healthy; /health and pgvector."""

from __future__ import annotations

import random

import httpx
from harness import LONG_RUNNING, Stack, run_task


def test_every_long_running_service_is_healthy_and_db_init_succeeded(stack: Stack) -> None:
    states = {name: container.state for name, container in stack.services().items()}
    assert set(states) == LONG_RUNNING | {"db-init"}
    for name in LONG_RUNNING:
        assert states[name].health.status == "healthy", (name, states[name])
    assert states["db-init"].status == "exited"
    assert states["db-init"].exit_code == 0


def test_only_backend_and_frontend_are_published_on_loopback(stack: Stack) -> None:
    published = {
        (name, binding["HostIp"])
        for name, container in stack.services().items()
        for bindings in (container.network_settings.ports or {}).values()
        for binding in bindings or []
    }
    assert {name for name, _ in published} == {"backend", "frontend"}
    assert {address for _, address in published} == {"127.0.0.1"}


def test_health_reports_database_vector_redis_and_worker_up(stack: Stack) -> None:
    response = httpx.get(stack.api + "/health", timeout=5)
    assert response.status_code == 200
    components = response.json()["components"]
    for name in ("database", "vector", "redis", "worker"):
        assert components[name]["status"] == "up", (name, components[name])
    assert components["vector"]["detail"].startswith("pgvector ")


def test_frontend_serves_its_page_and_proxies_health(stack: Stack) -> None:
    page = httpx.get(stack.frontend + "/", timeout=5)
    assert page.status_code == 200
    assert "/api/health" in page.text
    health = httpx.get(stack.frontend + "/api/health", timeout=5)
    assert health.status_code == 200
    assert health.json()["service"] == stack.settings["API_TITLE"]


def test_nearest_neighbour_through_pgvector(stack: Stack) -> None:
    # A region of the space no other test writes to, so the neighbour is known.
    x = random.uniform(1e5, 1e6)
    near = run_task(stack, "/tasks/nearest", {"content": f"near-{x}", "embedding": [x, x, x]})
    far = run_task(stack, "/tasks/nearest", {"content": f"far-{x}", "embedding": [x + 9, x, x]})
    assert far["nearest"]["id"] == near["stored_id"]
    probe = run_task(stack, "/tasks/nearest", {"content": "probe", "embedding": [x + 1, x, x]})
    assert probe["nearest"] == {"id": near["stored_id"], "content": f"near-{x}", "distance": 1.0}
