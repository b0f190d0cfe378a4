"""Sending tasks to the worker through Redis.

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

# What publishing or reading a task raises when Redis is unreachable: kombu's
# error from the broker and redis-py's from the result store.
_CONNECTION_ERRORS = (OperationalError, RedisError)
# How Redis refuses a write at `maxmemory` with the `noeviction` policy (redis-py
# drops the leading "OOM" when the command was part of a pipeline, as kombu's are).
_REDIS_FULL = "command not allowed when used memory > 'maxmemory'"


class BrokerUnavailable(Exception):
    """Redis (the broker or the result store) cannot be reached."""

    def __init__(self, part: str, cause: BaseException) -> None:
        # A full Redis refuses the write outright: nothing was queued.
        self.full = _REDIS_FULL in str(cause)
        if self.full:
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


def send_once(publisher: Celery, task_name: str, *args: Any, task_id: str) -> None:
    """Send a recorded task, one attempt bounded by the socket timeout: if it
    fails, the sweeper sends it again (task_store)."""
    with _outage_of("task broker"):
        publisher.send_task(task_name, args=args, task_id=task_id, retry=False)


def started_by(publisher: Celery, task_id: str) -> str | None:
    """The worker running the task, by Celery's state in Redis (the worker
    stores STARTED there, with its node name, not in Postgres); None when no
    worker is known to run it, Redis unreachable included."""
    try:
        with _outage_of("result store"):
            meta = publisher.backend.get_task_meta(task_id)
    except BrokerUnavailable:
        return None
    if meta.get("status") != "STARTED":
        return None
    running = meta.get("result")
    hostname = running.get("hostname") if isinstance(running, dict) else None
    return str(hostname) if hostname else ""
