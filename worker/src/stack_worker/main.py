"""The worker process: `stack-worker` (or `celery -A stack_worker.main worker`)."""

from __future__ import annotations

import sys

from stack_db.config import ConfigurationError, load_settings

from stack_worker.celery_app import create_celery
from stack_worker.heartbeat import HEARTBEAT_SECONDS_SETTING, WorkerHeartbeat
from stack_worker.settings import WorkerSettings

try:
    settings = load_settings(WorkerSettings)
except ConfigurationError as exc:
    sys.exit(f"worker: error: {exc}")

app = create_celery(settings)
app.conf[HEARTBEAT_SECONDS_SETTING] = settings.worker_heartbeat_seconds
app.steps["consumer"].add(WorkerHeartbeat)
app.autodiscover_tasks(["stack_worker"], force=True)


def main() -> None:
    app.worker_main(["worker", f"--loglevel={settings.log_level.upper()}"])


if __name__ == "__main__":
    main()
