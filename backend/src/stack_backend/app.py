"""The application: wiring only (clients, middleware, routers, the MCP mount)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastmcp.utilities.lifespan import combine_lifespans
from stack_db.database_settings import DatabaseSettings

from stack_backend.auth import require_token
from stack_backend.body_limit import BodySizeLimit
from stack_backend.clients import Clients, build_clients
from stack_backend.errors import (
    broker_unavailable,
    idempotency_key_reused,
    request_validation_error,
    task_store_unavailable,
)
from stack_backend.mcp_server import build_mcp
from stack_backend.metrics import ApiMetrics, RequestMetrics
from stack_backend.metrics import router as metrics_router
from stack_backend.offline_docs import offline_docs_app
from stack_backend.routes import health, tasks
from stack_backend.settings import ApiSettings
from stack_backend.sweeper import sweep_forever
from stack_backend.task_queue import BrokerUnavailable
from stack_backend.task_store import IdempotencyKeyReused, TaskStoreUnavailable


def create_app(
    settings: ApiSettings, database: DatabaseSettings, clients: Clients | None = None
) -> FastAPI:
    """Build the API around its clients (tests pass mocked ones). The clients
    connect on first use and are closed at shutdown; the sweeper runs between."""
    clients = clients or build_clients(settings, database)

    @asynccontextmanager
    async def close_clients(app: FastAPI) -> AsyncIterator[None]:
        sweeper = asyncio.create_task(
            sweep_forever(
                clients.tasks,
                settings.task_sweep_interval_seconds,
                settings.task_republish_after_seconds,
            )
        )
        try:
            yield
        finally:
            sweeper.cancel()
            await clients.close()

    mcp_app = build_mcp(clients).http_app(path="/")
    app = offline_docs_app(
        title=settings.api_title,
        summary="API and MCP server of the stack",
        lifespan=combine_lifespans(close_clients, mcp_app.lifespan),
    )
    app.state.clients = clients
    app.state.metrics = ApiMetrics()
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)
    app.add_exception_handler(RequestValidationError, request_validation_error)
    app.add_exception_handler(BrokerUnavailable, broker_unavailable)
    app.add_exception_handler(TaskStoreUnavailable, task_store_unavailable)
    app.add_exception_handler(IdempotencyKeyReused, idempotency_key_reused)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_body_bytes)
    # Outermost: every request gets an id (a valid incoming X-Request-ID, else a
    # new one), returned in the response and carried into its log lines and
    # into the tasks it queues (stack_worker.contract). Those read it from the
    # context, not from the request's headers, which are left as they came.
    app.add_middleware(
        CorrelationIdMiddleware, header_name="X-Request-ID", update_request_header=False
    )
    app.include_router(health.router)
    # Every task route needs the token (when one is set); /health decides per caller.
    app.include_router(tasks.router, dependencies=[Depends(require_token)])
    app.include_router(metrics_router)
    app.mount("/mcp", mcp_app)
    return app
