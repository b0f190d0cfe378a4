"""The API's Prometheus metrics, at GET /metrics (text format):

- `http_requests_total`, `http_request_duration_seconds`: requests by route
  template, method and status, and their latency (`RequestMetrics`);
- `stack_tasks_published_total{task}`: tasks this process queued, by name;
- `stack_dependency_up{component}`: 1 or 0 per dependency of GET /health,
  checked anew at each scrape;
- `stack_queue_depth`: messages waiting in the tasks' queue at the scrape.

Each app has its own registry, so that tests may build many. The worker's
metrics come from Flower (docs/dev/observability.md).
"""

from __future__ import annotations

from time import perf_counter
from typing import Any

from celery.signals import after_task_publish
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stack_backend.health_report import check_health

# Requests not counted: Prometheus' own scrapes, and the healthcheck's probes.
UNCOUNTED = frozenset({"/metrics", "/health/live"})
# A path no route matched (a 404) counts under one name, so that scanners'
# paths do not each make a new series.
UNMATCHED = "none"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests, by route template, method and status.",
            ["handler", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by route template.",
            ["handler", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
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


def route_template(scope: Scope) -> str:
    """The template of the route that served the request ("/tasks/{task_id}"),
    prefixed with its mount's path ("/mcp/"); Starlette records the route in
    the scope as it routes."""
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    return f"{scope.get('root_path', '')}{route.path}"


class RequestMetrics:
    """ASGI middleware: each request's count and latency, by route template.

    It reads the route after the app has answered, where routing left it,
    instead of matching the path against every route again and building a
    Response object per request as prometheus-fastapi-instrumentator does:
    that took 43 of the 245 µs of a /health request (docs/dev/performance.md).
    """

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500  # unless the app answers

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            handler = route_template(scope)
            if handler not in UNCOUNTED:
                method = scope["method"]
                self.metrics.requests.labels(handler, method, str(status)).inc()
                self.metrics.latency.labels(handler, method).observe(perf_counter() - started)


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
