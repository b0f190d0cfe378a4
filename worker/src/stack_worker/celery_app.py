"""The worker's Celery app: the contract's connection options, plus the
delivery choices that only a consumer makes, its heartbeat and its tasks."""

from __future__ import annotations

from typing import Any

from asgi_correlation_id import correlation_id
from celery import Celery, Task
from celery.signals import task_postrun, task_prerun
from stack_db.database_settings import DatabaseSettings

from stack_worker import database
from stack_worker.contract import REQUEST_ID_HEADER, connection_config
from stack_worker.heartbeat import HEARTBEAT_SECONDS_SETTING, WorkerHeartbeat
from stack_worker.settings import WorkerSettings

# A task unacknowledged this long after its hard time limit belongs to a dead worker.
VISIBILITY_MARGIN_SECONDS = 10
UNACKED_SWEEP_SECONDS = 5


def worker_config(settings: WorkerSettings) -> dict[str, Any]:
    """Reliability choices, on purpose (docs/architecture.md explains them):

    - task_acks_late: a task is acknowledged when it finishes, not when it is
      received, so a crash mid-task leads to redelivery (at-least-once).
      Tasks must therefore be idempotent.
    - task_reject_on_worker_lost: if the child process running a task dies
      (SIGKILL, OOM), the message is requeued instead of acknowledged as failed.
    - worker_prefetch_multiplier=1: each process reserves one task at a time,
      so a long task does not hold others hostage and work spreads over workers.
    - time limits: a soft limit raises inside the task so it can clean up; the
      hard limit kills the child process.
    - broker_connection_retry_on_startup: the worker waits for Redis when it
      starts before it (a restart of the stack in any order works).
    - visibility timeout: with Redis, a task held by a worker that died without
      acking (SIGKILL, lost host) goes back to the queue once it has been
      unacknowledged this long. No task runs longer than the hard time limit,
      so a little more than that is safe and recovers a crash soonest; the
      sweep for such tasks runs every few seconds.
    """
    visibility_timeout = settings.task_time_limit_seconds + VISIBILITY_MARGIN_SECONDS
    return {
        "broker_transport_options": {
            **connection_config(settings)["broker_transport_options"],
            "visibility_timeout": visibility_timeout,
            "unacked_restore_interval": UNACKED_SWEEP_SECONDS,
            "unacked_restore_throttle": 1,
        },
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": settings.task_soft_time_limit_seconds,
        "task_time_limit": settings.task_time_limit_seconds,
        "worker_pool": settings.worker_pool,
        "worker_concurrency": settings.worker_concurrency,
        # Task events (received, started, succeeded, failed, retried, with their
        # runtimes) are for Flower, which turns them on in every worker while it
        # runs (stack_worker.monitor): three more messages a task, sent only
        # when someone follows them.
        "worker_send_task_events": False,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        # On a lost broker connection, running late-ack tasks will be redelivered
        # anyway; cancelling them avoids running the same task twice at once.
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        HEARTBEAT_SECONDS_SETTING: settings.worker_heartbeat_seconds,
    }


def take_request_id(task: Task[Any, Any] | None = None, **kwargs: Any) -> None:
    """task_prerun: the id of the request that queued the task, for its log lines."""
    correlation_id.set(task.request.get(REQUEST_ID_HEADER) if task else None)


def drop_request_id(**kwargs: Any) -> None:
    correlation_id.set(None)


def create_worker_app(settings: WorkerSettings, database_settings: DatabaseSettings) -> Celery:
    """The app the worker process runs: configured, with its heartbeat step and
    its tasks registered. Connects to nothing until the worker starts."""
    app = Celery("stack")
    app.conf.update(connection_config(settings))
    app.conf.update(worker_config(settings))
    app.steps["consumer"].add(WorkerHeartbeat)
    task_prerun.connect(take_request_id, weak=False, dispatch_uid="stack.take_request_id")
    task_postrun.connect(drop_request_id, weak=False, dispatch_uid="stack.drop_request_id")
    database.configure(database_settings)
    app.autodiscover_tasks(["stack_worker"], force=True)
    return app
