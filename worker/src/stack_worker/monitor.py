"""`python -m stack_worker.monitor`: Flower, the Celery monitor, behind a
password (the `monitoring` profile of compose.yaml; docs/dev/observability.md).

It follows the worker's events (tasks received, started, succeeded, failed,
retried, with their runtimes), shows workers and tasks in its pages, and
serves those as Prometheus metrics at /metrics (unauthenticated, like its
/healthcheck: only the stack's network and 127.0.0.1 reach it).
"""

from __future__ import annotations

import os

from pydantic import Field, SecretStr
from stack_db.base_settings import load_or_exit

from stack_worker.contract import BrokerSettings, create_publisher

PROGRAM = "stack-monitor"
PORT = 5555


class MonitorSettings(BrokerSettings):
    flower_user: str = Field(
        default="admin",
        min_length=1,
        pattern=r"^[^:]+$",
        description="User name of Flower's page (HTTP basic authentication).",
    )
    flower_password: SecretStr = Field(
        min_length=1,
        description="Password of Flower's page; the `monitoring` profile refuses to start "
        "without it, and a `change-me` placeholder is refused in production.",
    )


def main() -> None:
    settings = load_or_exit(PROGRAM, MonitorSettings)
    app = create_publisher(settings, name=PROGRAM)
    # Through the environment rather than the command line, which `ps` shows.
    os.environ["FLOWER_BASIC_AUTH"] = (
        f"{settings.flower_user}:{settings.flower_password.get_secret_value()}"
    )
    # Workers send task events only when asked: the running ones now, and
    # Flower asks again every 5 s for those that start later.
    app.control.enable_events()
    app.start(["flower", "--address=0.0.0.0", f"--port={PORT}", "--purge_offline_workers=60"])


if __name__ == "__main__":
    main()
