"""Publishing tasks to the worker and reading their state, off the event loop."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.result import AsyncResult
from fastapi import HTTPException, status
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError
from starlette.concurrency import run_in_threadpool

# What publishing or reading a task raises when Redis is unreachable: kombu's
# error from the broker, redis-py's from the result store, and Celery's
# RuntimeError once the result store's reconnection retries are used up.
REDIS_UNAVAILABLE = (OperationalError, RedisError, RuntimeError)


async def publish(celery: Celery, task_name: str, *args: Any) -> str:
    """Send a task by name; 503 when the broker cannot take it."""
    try:
        result: AsyncResult[Any] = await run_in_threadpool(celery.send_task, task_name, args=args)
    except REDIS_UNAVAILABLE as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"the task broker (Redis) is unavailable: {exc}"
        ) from exc
    return str(result.id)


def _state_result_worker(celery: Celery, task_id: str) -> tuple[str, Any, str | None]:
    meta = celery.backend.get_task_meta(task_id)  # one read of the result store
    value = meta.get("result")
    if isinstance(value, BaseException):
        value = f"{type(value).__name__}: {value}"
    return meta["status"], value, meta.get("worker")


async def task_state(celery: Celery, task_id: str) -> tuple[str, Any, str | None]:
    try:
        return await run_in_threadpool(_state_result_worker, celery, task_id)
    except REDIS_UNAVAILABLE as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"the result store (Redis) is unavailable: {exc}"
        ) from exc
