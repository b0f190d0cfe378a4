"""Recording each task's outcome in Postgres (stack_db.task_records), where
the API reads it. A task that writes to the database records its outcome
itself, in the transaction of its effect (tasks.store_and_find_nearest); for the
others, Celery's task_success and task_failure signals record it here, in the
process that ran the task.

A failure because Postgres or Redis could not be reached is not an outcome
(it is not the task's: Celery also fails a task whose state it cannot store
in Redis): the record stays PENDING and the API's sweeper publishes the task
again.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from celery.signals import task_failure, task_success
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from stack_db.engine import is_transient
from stack_db.task_records import FAILURE, SUCCESS, finish_task

from stack_worker import database

log = logging.getLogger(__name__)

# Tasks that record their outcome with their effect, in one transaction.
RECORD_THEMSELVES: set[str] = set()


def record(task_id: str, state: str, result: Any, worker: str | None) -> None:
    try:
        with database.session_factory()() as session:
            finish_task(session, task_id, state, result, worker)
            session.commit()
    except SQLAlchemyError as error:
        # Left PENDING: the sweeper publishes the task again, and it runs again.
        log.warning("outcome of task %s not recorded: %s", task_id, error)


def is_outage(error: BaseException) -> bool:
    """Postgres or Redis unreachable, rather than the task failing."""
    return is_transient(error) or isinstance(error, RedisError | BrokerError)


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


@task_success.connect
def _on_success(sender: Task[Any, Any], result: Any = None, **_: Any) -> None:
    task_id = sender.request.id
    if task_id is not None and sender.name not in RECORD_THEMSELVES:
        record(task_id, SUCCESS, result, sender.request.hostname)


@task_failure.connect
def _on_failure(sender: Task[Any, Any], task_id: str, exception: BaseException, **_: Any) -> None:
    if is_outage(exception):
        return
    record(task_id, FAILURE, describe(exception), sender.request.hostname)
