"""Queueing tasks for the worker and reading their state, off the event loop.

Every way Redis can be unreachable ends in one exception, `BrokerUnavailable`,
which the HTTP routes (errors.py) and the MCP tools (mcp_server.py) each map
once: 503, or a tool error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Celery
from celery.result import AsyncResult
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError
from starlette.concurrency import run_in_threadpool

# What publishing or reading a task raises when Redis is unreachable: kombu's
# error from the broker and redis-py's from the result store.
_CONNECTION_ERRORS = (OperationalError, RedisError)
# How Redis refuses a write at `maxmemory` with the `noeviction` policy (redis-py
# drops the leading "OOM" when the command was part of a pipeline, as kombu's are).
_REDIS_FULL = "command not allowed when used memory > 'maxmemory'"


class BrokerUnavailable(Exception):
    """Redis (the broker or the result store) cannot be reached."""

    def __init__(self, part: str, cause: BaseException) -> None:
        if _REDIS_FULL in str(cause):
            super().__init__(
                f"the {part} (Redis) is full: it refuses new writes at its memory limit "
                "(REDIS_MAXMEMORY) until queued tasks are taken and results expire; retry later"
            )
        else:
            super().__init__(f"the {part} (Redis) is unavailable: {cause}")


@contextmanager
def _outage_of(part: str) -> Iterator[None]:
    """Redis being unreachable inside the block becomes BrokerUnavailable."""
    try:
        yield
    except _CONNECTION_ERRORS as exc:
        raise BrokerUnavailable(part, exc) from exc
    except RuntimeError as exc:
        # Celery's result store raises RuntimeError once its reconnection retries
        # are used up, chained to the connection error; any other is a bug.
        if not isinstance(exc.__cause__, _CONNECTION_ERRORS):
            raise
        raise BrokerUnavailable(part, exc) from exc


def send(publisher: Celery, task_name: str, *args: Any) -> AsyncResult[Any]:
    """Send a task by name (blocking); BrokerUnavailable when Redis cannot take it."""
    with _outage_of("task broker"):
        return publisher.send_task(task_name, args=args)


async def publish(publisher: Celery, task_name: str, *args: Any) -> str:
    """Send a task by name from the event loop; returns its id."""
    result = await run_in_threadpool(send, publisher, task_name, *args)
    return str(result.id)


def _state_result_worker(publisher: Celery, task_id: str) -> tuple[str, Any, str | None]:
    with _outage_of("result store"):
        meta = publisher.backend.get_task_meta(task_id)  # one read of the result store
    value = meta.get("result")
    if isinstance(value, BaseException):
        value = f"{type(value).__name__}: {value}"
    return meta["status"], value, meta.get("worker")


async def task_state(publisher: Celery, task_id: str) -> tuple[str, Any, str | None]:
    """A task's state, result and worker, from the result store."""
    return await run_in_threadpool(_state_result_worker, publisher, task_id)
