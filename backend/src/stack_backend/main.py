"""The application: wiring only (settings, clients, routers, the MCP mount)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastmcp.utilities.lifespan import combine_lifespans
from stack_db.config import load_settings
from stack_db.settings import DatabaseSettings

from stack_backend.body_limit import BodySizeLimit
from stack_backend.container import Container, build_container
from stack_backend.errors import request_validation_error
from stack_backend.mcp_server import build_mcp
from stack_backend.routes import health, tasks
from stack_backend.settings import ApiSettings


def create_app(
    settings: ApiSettings,
    database: DatabaseSettings | None = None,
    container: Container | None = None,
) -> FastAPI:
    """Build the API. Tests pass a container of mocked clients; otherwise the
    clients are created at start-up and closed at shutdown."""

    @asynccontextmanager
    async def clients(app: FastAPI) -> AsyncIterator[None]:
        app.state.container = container or build_container(
            settings, database or load_settings(DatabaseSettings)
        )
        try:
            yield
        finally:
            await app.state.container.close()

    app_holder: dict[str, FastAPI] = {}
    mcp = build_mcp(lambda: app_holder["app"].state.container)
    mcp_app = mcp.http_app(path="/")
    app = FastAPI(
        title=settings.api_title,
        summary="API and MCP server of the stack",
        lifespan=combine_lifespans(clients, mcp_app.lifespan),
    )
    app_holder["app"] = app
    app.add_exception_handler(RequestValidationError, request_validation_error)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_body_bytes)
    app.include_router(health.router)
    app.include_router(tasks.router)
    app.mount("/mcp", mcp_app)
    return app
