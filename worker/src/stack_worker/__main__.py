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
    app.worker_main(["worker", f"--loglevel={settings.log_level.upper()}"])


if __name__ == "__main__":
    main()
