"""The worker process: `python -m stack_worker` (or `stack-worker`)."""

from __future__ import annotations

from typing import Any

from celery import current_task
from celery.signals import setup_logging
from stack_db import log_setup
from stack_db.base_settings import load_or_exit
from stack_db.database_settings import DatabaseSettings

from stack_worker.celery_app import create_worker_app
from stack_worker.settings import WorkerSettings

PROGRAM = "stack-worker"


def running_task_id() -> dict[str, str]:
    """The id of the task this process runs now, for its log lines."""
    task_id = current_task.request.id if current_task else None
    return {"task_id": task_id} if task_id else {}


def keep_the_stack_logging(**kwargs: Any) -> None:
    """setup_logging: with a receiver, Celery leaves the logging as it is."""


def main() -> None:
    settings = load_or_exit(PROGRAM, WorkerSettings)
    log_setup.configure(settings.log_level, settings.log_format, fields=running_task_id)
    setup_logging.connect(keep_the_stack_logging, weak=False)
    app = create_worker_app(settings, load_or_exit(PROGRAM, DatabaseSettings))
    # Without mingle and gossip: at start-up, mingle waits a second for other
    # workers' revoked-task lists and clocks, and gossip follows their events;
    # the stack revokes no tasks and tracks workers by its own heartbeat. A
    # (re)start is a second quicker, which `just dev`'s reload feels most.
    app.worker_main(
        [
            "worker",
            f"--loglevel={settings.log_level.upper()}",
            "--without-mingle",
            "--without-gossip",
        ]
    )


if __name__ == "__main__":
    main()
