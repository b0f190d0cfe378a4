"""The worker process: `python -m stack_worker` (or `stack-worker`)."""

from __future__ import annotations

from stack_db.base_settings import load_or_exit
from stack_db.database_settings import DatabaseSettings

from stack_worker.celery_app import create_worker_app
from stack_worker.settings import WorkerSettings

PROGRAM = "stack-worker"


def main() -> None:
    settings = load_or_exit(PROGRAM, WorkerSettings)
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
