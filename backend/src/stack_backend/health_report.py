"""The dependency report behind GET /health and the MCP `health` tool."""

from __future__ import annotations

import asyncio
import time
from typing import Literal

from pydantic import BaseModel
from stack_worker.contract import WORKER_HEARTBEAT_KEY, heartbeat_window_start

from stack_backend.clients import Clients


class ComponentStatus(BaseModel):
    status: Literal["up", "down"]
    required: bool
    detail: str | None = None


# Celery's default queue: where the API's tasks wait for a worker.
TASK_QUEUE = "celery"


class HealthReport(BaseModel):
    status: Literal["ok", "degraded", "down"]
    service: str
    environment: str
    components: dict[str, ComponentStatus]
    # Tasks waiting for a worker (None when Redis did not answer).
    queue_depth: int | None = None
    duration_ms: float

    @property
    def healthy(self) -> bool:
        return self.status != "down"


async def _database(clients: Clients, limit: float) -> dict[str, ComponentStatus]:
    try:
        status = await asyncio.wait_for(clients.database_probe.check(), limit)
    except TimeoutError:
        down = ComponentStatus(status="down", required=True, detail=f"no answer in {limit}s")
        return {"database": down, "vector": down}
    if not status.reachable:
        down = ComponentStatus(status="down", required=True, detail=status.error)
        return {"database": down, "vector": down}
    vector = (
        ComponentStatus(status="up", required=True, detail=f"pgvector {status.vector_version}")
        if status.vector_version
        else ComponentStatus(status="down", required=True, detail="extension 'vector' missing")
    )
    return {"database": ComponentStatus(status="up", required=True), "vector": vector}


async def _redis_and_workers(
    clients: Clients, limit: float
) -> tuple[dict[str, ComponentStatus], int | None]:
    """Redis, the live workers and the queue's depth, in one round trip."""
    window = clients.settings.worker_alive_window_seconds
    try:
        async with clients.redis.pipeline(transaction=False) as pipe:
            pipe.ping()
            pipe.zcount(WORKER_HEARTBEAT_KEY, heartbeat_window_start(window), "+inf")
            pipe.llen(TASK_QUEUE)
            _, workers, depth = await asyncio.wait_for(pipe.execute(), limit)
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}".strip()
        return {
            "redis": ComponentStatus(status="down", required=True, detail=detail),
            "worker": ComponentStatus(status="down", required=False, detail="redis unreachable"),
        }, None
    worker = (
        ComponentStatus(status="up", required=False, detail=f"{workers} alive")
        if workers
        else ComponentStatus(
            status="down", required=False, detail=f"no worker heartbeat in the last {window:.0f}s"
        )
    )
    return {"redis": ComponentStatus(status="up", required=True), "worker": worker}, int(depth)


async def check_health(clients: Clients) -> HealthReport:
    """The dependency report. Callers that arrive while a check is in progress
    share it rather than start their own, so under load the dependencies see one
    query and one Redis pipeline at a time instead of one per request (which,
    past the pool's size, opened and closed a Postgres connection each). Each
    caller still gets a check that ended after it asked.
    """
    in_flight = clients.health_check_in_flight
    if in_flight is None:
        in_flight = asyncio.create_task(_check_every_dependency(clients))
        clients.health_check_in_flight = in_flight

        def forget(done: asyncio.Task[HealthReport]) -> None:
            if clients.health_check_in_flight is done:
                clients.health_check_in_flight = None

        in_flight.add_done_callback(forget)
    # A caller that goes away (client disconnected) does not cancel the others' check.
    report: HealthReport = await asyncio.shield(in_flight)
    return report


async def _check_every_dependency(clients: Clients) -> HealthReport:
    """Check every dependency at once; required parts decide up or down."""
    started = time.perf_counter()
    timeout = clients.settings.health_check_timeout_seconds
    database, (redis, queue_depth) = await asyncio.gather(
        _database(clients, timeout), _redis_and_workers(clients, timeout)
    )
    components = {**database, **redis}
    if any(c.status == "down" and c.required for c in components.values()):
        overall: Literal["ok", "degraded", "down"] = "down"
    elif any(c.status == "down" for c in components.values()):
        overall = "degraded"
    else:
        overall = "ok"
    return HealthReport(
        status=overall,
        service=clients.settings.api_title,
        environment=clients.settings.app_env.value,
        components=components,
        queue_depth=queue_depth,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
    )
