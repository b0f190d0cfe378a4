"""The MCP server mounted in the API at /mcp/: purpose-built tools over the
same clients the HTTP routes use."""

from __future__ import annotations

import time
from typing import Any

from celery.exceptions import TimeoutError as CeleryTimeoutError
from fastmcp import FastMCP
from fastmcp.exceptions import ToolError
from pydantic import Field
from stack_worker.contract import PING_TASK
from starlette.concurrency import run_in_threadpool

from stack_backend.auth import ApiTokenVerifier
from stack_backend.clients import Clients
from stack_backend.health_report import check_health
from stack_backend.task_queue import BrokerUnavailable, send


def _run_ping(clients: Clients, timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    result = send(clients.publisher, PING_TASK)
    try:
        value = result.get(timeout=timeout)
    except CeleryTimeoutError as exc:
        raise ToolError(
            f"no worker answered within {timeout}s (task {result.id} is still {result.state})"
        ) from exc
    return {
        "task_id": str(result.id),
        "state": result.state,
        "result": value,
        "seconds": round(time.perf_counter() - started, 3),
    }


def build_mcp(clients: Clients) -> FastMCP:
    """The MCP server; with API_TOKEN set, every request needs it as a bearer token
    (FastMCP's token verifier: 401 without it)."""
    token = clients.settings.api_token
    mcp = FastMCP("stack", auth=ApiTokenVerifier(token) if token else None)

    @mcp.tool
    async def health() -> dict[str, Any]:
        """Report each dependency of the API: database, pgvector, Redis, workers."""
        return (await check_health(clients)).model_dump()

    @mcp.tool
    async def ping_worker(
        timeout_seconds: float | None = Field(
            default=None, gt=0, le=300, description="How long to wait for the worker's answer"
        ),
    ) -> dict[str, Any]:
        """Run the dummy task on a worker and return its result and round-trip time."""
        timeout = timeout_seconds or clients.settings.task_result_timeout_seconds
        try:
            return await run_in_threadpool(_run_ping, clients, timeout)
        except BrokerUnavailable as exc:
            raise ToolError(str(exc)) from exc

    return mcp
