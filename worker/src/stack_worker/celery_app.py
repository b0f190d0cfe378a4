"""The Celery app, built from settings. The API uses the same factory to publish."""

from __future__ import annotations

from typing import Any

from celery import Celery

from stack_worker.settings import BrokerSettings, WorkerSettings

# A task unacknowledged this long after its hard time limit belongs to a dead worker.
VISIBILITY_MARGIN_SECONDS = 10
UNACKED_SWEEP_SECONDS = 5


def connection_config(broker: BrokerSettings) -> dict[str, Any]:
    """Broker and result-store options both the API and the worker need.

    Every Redis call is bounded: a publisher must fail fast when Redis is down
    rather than block the API's event loop for many seconds.
    """
    url = broker.redis_url_with_password
    timeout = broker.redis_socket_timeout_seconds
    socket_options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    return {
        "broker_url": url,
        "result_backend": url,
        "broker_connection_timeout": timeout,
        "broker_transport_options": socket_options,
        "result_backend_transport_options": {"retry_policy": {"timeout": timeout}},
        "redis_socket_timeout": timeout,
        "redis_socket_connect_timeout": timeout,
        "redis_retry_on_timeout": False,
        # Publishing retries briefly, then fails: the caller reports the outage.
        "task_publish_retry_policy": {
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.1,
            "interval_max": 0.2,
        },
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_expires": 86400,
        "task_track_started": True,
        # Results also record which worker ran the task (GET /tasks/{id} shows it).
        "result_extended": True,
        "enable_utc": True,
    }


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
        "worker_concurrency": settings.worker_concurrency,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        # On a lost broker connection, running late-ack tasks will be redelivered
        # anyway; cancelling them avoids running the same task twice at once.
        "worker_cancel_long_running_tasks_on_connection_loss": True,
    }


def create_celery(broker: BrokerSettings, name: str = "stack") -> Celery:
    app = Celery(name)
    app.conf.update(connection_config(broker))
    if isinstance(broker, WorkerSettings):
        app.conf.update(worker_config(broker))
    return app
