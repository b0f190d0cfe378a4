"""The `monitoring` profile on the infra stack: Prometheus scrapes the API's and
the worker's (Flower's) metrics, and Flower's page, behind its password, shows
the worker and a finished task, loading nothing from another origin."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from chromium import render
from harness import Stack, free_port, held_secrets, run_task, wait_until

MONITORING = ("flower", "prometheus")


@pytest.fixture(scope="module")
def monitored(stack: Stack) -> Iterator[Stack]:
    stack.write_env(
        FLOWER_PASSWORD=secrets.token_urlsafe(16),
        FLOWER_HOST_PORT=str(free_port()),
        PROMETHEUS_HOST_PORT=str(free_port()),
    )
    monitored = stack.with_profiles("monitoring")
    monitored.up(*MONITORING, build=True, wait_timeout=300)
    try:
        yield monitored
    finally:
        monitored.compose.rm(list(MONITORING), stop=True, volumes=True)


def flower(stack: Stack) -> str:
    return f"127.0.0.1:{stack.settings['FLOWER_HOST_PORT']}"


def query(stack: Stack, promql: str) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{stack.settings['PROMETHEUS_HOST_PORT']}/api/v1/query"
    answer = httpx.get(url, params={"query": promql}, timeout=5).json()
    assert answer["status"] == "success", answer
    result: list[dict[str, Any]] = answer["data"]["result"]
    return result


def scraped(stack: Stack, promql: str) -> list[dict[str, Any]]:
    """The query's result once Prometheus has scraped a sample for it."""
    return wait_until(
        lambda: query(stack, promql),
        until=bool,
        timeout=60,
        interval=1,
        describe=f"{promql} in Prometheus",
    )


def test_prometheus_has_the_api_and_the_worker_series_after_a_task(monitored: Stack) -> None:
    assert run_task(monitored, "/tasks/ping") == "pong"
    published = scraped(monitored, 'stack_tasks_published_total{task="stack.ping"}')
    assert float(published[0]["value"][1]) >= 1
    succeeded = scraped(monitored, 'flower_events_total{task="stack.ping",type="task-succeeded"}')
    assert float(succeeded[0]["value"][1]) >= 1
    assert query(monitored, 'stack_dependency_up{component="database"}')[0]["value"][1] == "1"
    assert query(monitored, "http_request_duration_seconds_count")


def test_flower_holds_its_own_secrets_and_no_other(monitored: Stack) -> None:
    assert held_secrets(monitored, "flower") == {"REDIS_WORKER_PASSWORD", "FLOWER_PASSWORD"}


def test_flower_asks_for_its_password(monitored: Stack) -> None:
    assert httpx.get(f"http://{flower(monitored)}/workers", timeout=5).status_code == 401
    wrong = httpx.get(f"http://{flower(monitored)}/workers", auth=("admin", "wrong"), timeout=5)
    assert wrong.status_code == 401


def test_flower_shows_the_worker_and_a_finished_task(monitored: Stack, tmp_path: Path) -> None:
    assert run_task(monitored, "/tasks/ping") == "pong"
    user, password = (
        monitored.settings.get("FLOWER_USER", "admin"),
        monitored.settings["FLOWER_PASSWORD"],
    )
    url = f"http://{user}:{password}@{flower(monitored)}/tasks"
    page = render(url, tmp_path / "chromium")
    assert "stack.ping" in page.dom, page.dom[:2000]
    assert "SUCCESS" in page.dom
    workers = render(f"http://{user}:{password}@{flower(monitored)}/", tmp_path / "chromium2")
    worker = monitored.exec("celery_worker", "hostname").strip()
    assert f"celery@{worker}" in workers.dom
    assert "Online" in workers.dom
    assert page.off_origin(f"http://{flower(monitored)}/") == []
