"""`worker-healthcheck`: is THIS worker node consuming from the broker?

Sends a control ping addressed to this container's node only and waits for
its own reply; another worker's answer does not count. Exit 0 when healthy.
"""

from __future__ import annotations

import argparse
import socket
import sys

from stack_db.base_settings import load_or_exit

from stack_worker.contract import BrokerSettings, create_publisher

PING_TIMEOUT_SECONDS = 3.0


def node_name(hostname: str | None = None) -> str:
    """Celery's default node name, `celery@<hostname>`."""
    return f"celery@{hostname or socket.gethostname()}"


def node_answers(broker: BrokerSettings, node: str, timeout: float = PING_TIMEOUT_SECONDS) -> bool:
    app = create_publisher(broker, name="stack-healthcheck")
    try:
        replies = app.control.ping(destination=[node], timeout=timeout)
    finally:
        app.close()
    return any(node in reply for reply in replies or [])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="worker-healthcheck", description=__doc__)
    parser.add_argument("--node", default=node_name(), help="node to ping (default: this one)")
    node = parser.parse_args(argv).node
    broker = load_or_exit("worker-healthcheck", BrokerSettings)
    if not node_answers(broker, node):
        sys.exit(f"worker-healthcheck: {node} did not answer a ping within {PING_TIMEOUT_SECONDS}s")
    print(f"worker-healthcheck: {node} ok")


if __name__ == "__main__":
    main()
