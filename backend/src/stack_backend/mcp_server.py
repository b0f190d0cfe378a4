"""The MCP server mounted in the API at /mcp/: purpose-built tools over the
same container the HTTP routes use."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from celery.exceptions import TimeoutError as CeleryTimeoutError
from fastmcp import FastMCP
from fastmcp.exceptions import ToolError
from pydantic import Field
from stack_worker.contract import PING_TASK
from starlette.concurrency import run_in_threadpool

from stack_backend.container import Container
from stack_backend.health import check_health
from stack_backend.tasks import REDIS_UNAVAILABLE


def _run_ping(container: Container, timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = container.celery.send_task(PING_TASK)
    except REDIS_UNAVAILABLE as exc:
        raise ToolError(f"the task broker (Redis) is unavailable: {exc}") from exc
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


def build_mcp(get_container: Callable[[], Container]) -> FastMCP:
    mcp = FastMCP("stack")

    @mcp.tool
    async def health() -> dict[str, Any]:
        """Report each dependency of the API: database, pgvector, Redis, workers."""
        return (await check_health(get_container())).model_dump()

    @mcp.tool
    async def ping_worker(
        timeout_seconds: float | None = Field(
            default=None, gt=0, le=300, description="How long to wait for the worker's answer"
        ),
    ) -> dict[str, Any]:
        """Run the dummy task on a worker and return its result and round-trip time."""
        container = get_container()
        timeout = timeout_seconds or container.settings.task_result_timeout_seconds
        return await run_in_threadpool(_run_ping, container, timeout)

    return mcp
