"""The API's Prometheus metrics, at GET /metrics (text format):

- `http_requests_total`, `http_request_duration_seconds`: requests by route
  template, method and status, and their latency (prometheus-fastapi-instrumentator);
- `stack_tasks_published_total{task}`: tasks this process queued, by name;
- `stack_dependency_up{component}`: 1 or 0 per dependency of GET /health,
  checked anew at each scrape;
- `stack_queue_depth`: messages waiting in the tasks' queue at the scrape.

Each app has its own registry, so that tests may build many. The worker's
metrics come from Flower (docs/dev/observability.md).
"""

from __future__ import annotations

from typing import Any

from celery.signals import after_task_publish
from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge
from prometheus_client.exposition import generate_latest
from prometheus_fastapi_instrumentator import Instrumentator

from stack_backend.health_report import check_health


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.tasks_published = Counter(
            "stack_tasks_published_total",
            "Tasks the API queued, by name.",
            ["task"],
            registry=self.registry,
        )
        self.dependency_up = Gauge(
            "stack_dependency_up",
            "1 when the dependency answered the check of this scrape, else 0.",
            ["component"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "stack_queue_depth",
            "Tasks waiting in the queue at this scrape (-1 when Redis did not answer).",
            registry=self.registry,
        )
        # Weakly held (a bound method): gone with the app.
        after_task_publish.connect(self.count_published)

    def count_published(self, sender: str | None = None, **kwargs: Any) -> None:
        self.tasks_published.labels(task=sender or "unknown").inc()

    def instrument(self, app: FastAPI) -> None:
        Instrumentator(
            should_group_status_codes=False,
            excluded_handlers=["/metrics", "/health/live"],
            registry=self.registry,
        ).instrument(app)


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    clients = request.app.state.clients
    app_metrics: ApiMetrics = request.app.state.metrics
    report = await check_health(clients)
    for name, component in report.components.items():
        app_metrics.dependency_up.labels(component=name).set(component.status == "up")
    app_metrics.queue_depth.set(-1 if report.queue_depth is None else report.queue_depth)
    return Response(generate_latest(app_metrics.registry), media_type=CONTENT_TYPE_LATEST)
