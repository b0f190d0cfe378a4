from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient
from httpx import Response
from stack_backend.clients import Clients
from stack_backend.database_probe import DatabaseStatus
from stack_backend.health_report import TASK_QUEUE
from stack_backend.metrics import ApiMetrics

if TYPE_CHECKING:
    from .conftest import FakeInfra


def test_metrics_report_requests_dependencies_and_the_queue(
    client: TestClient, clients: Clients, infra: FakeInfra
) -> None:
    infra.pipeline.queued = 7
    infra.database = DatabaseStatus(reachable=True, vector_version=None)  # vector down
    assert client.get("/health").status_code == 503
    text = client.get("/metrics").text
    assert 'stack_dependency_up{component="database"} 1.0' in text
    assert 'stack_dependency_up{component="vector"} 0.0' in text
    assert "stack_queue_depth 7.0" in text
    assert 'http_requests_total{handler="/health",method="GET",status="503"} 1.0' in text
    assert f"llen {TASK_QUEUE}" in infra.pipeline.calls


def test_a_redis_outage_reads_as_minus_one(client: TestClient, infra: FakeInfra) -> None:
    infra.pipeline.error = ConnectionError("refused")
    assert "stack_queue_depth -1.0" in client.get("/metrics").text


def test_published_tasks_are_counted_by_name() -> None:
    metrics = ApiMetrics()
    metrics.count_published(sender="stack.ping")
    metrics.count_published(sender="stack.ping")
    assert (
        metrics.registry.get_sample_value("stack_tasks_published_total", {"task": "stack.ping"})
        == 2
    )


def test_requests_are_counted_by_route_template_not_by_path(
    client: TestClient, post_mcp_initialize: Callable[..., Response]
) -> None:
    client.get(f"/tasks/{uuid.uuid4()}")  # unknown ids: 404
    client.get(f"/tasks/{uuid.uuid4()}")
    client.get("/no/such/path")
    client.get("/another/missing/path")
    client.get("/health/live")
    post_mcp_initialize(client)
    registry = client.app.state.metrics.registry  # type: ignore[attr-defined]

    def requests(handler: str, method: str = "GET") -> float | None:
        statuses = {"/tasks/{task_id}": "404", "none": "404", "/mcp/": "200"}
        labels = {"handler": handler, "method": method, "status": statuses.get(handler, "200")}
        return registry.get_sample_value("http_requests_total", labels)

    assert requests("/tasks/{task_id}") == 2
    assert requests("none") == 2  # unmatched paths share one series
    assert requests("/mcp/", "POST") == 1
    assert requests("/health/live") is None  # the healthcheck's probes are not counted
    assert (
        registry.get_sample_value(
            "http_request_duration_seconds_count", {"handler": "/tasks/{task_id}", "method": "GET"}
        )
        == 2
    )
