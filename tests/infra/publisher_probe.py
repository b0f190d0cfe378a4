"""Runs inside the backend container (the infra tests pass it to its Python):
sends tasks by name with the API's own kind of publisher, the one of the
worker's contract, built from the container's settings. `registered` runs in
the worker's container: a control broadcast needs the worker's Redis user.

    python publisher_probe.py send NAME ARGS_JSON COUNT  # prints the COUNT task ids
    python publisher_probe.py send NAME ARGS_JSON --task-id ID  # one task with that id
    python publisher_probe.py registered  # the tasks each worker registered, as JSON
"""

from __future__ import annotations

import argparse
import json

from stack_db.base_settings import load_or_exit
from stack_worker.contract import BrokerSettings, create_publisher

INSPECT_TIMEOUT_SECONDS = 5


def main() -> None:
    parser = argparse.ArgumentParser(prog="publisher-probe")
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("send")
    send.add_argument("name")
    send.add_argument("args", type=json.loads)
    send.add_argument("count", type=int, nargs="?", default=1)
    send.add_argument("--task-id")
    commands.add_parser("registered")
    options = parser.parse_args()

    app = create_publisher(load_or_exit("publisher-probe", BrokerSettings))
    if options.command == "registered":
        registered = app.control.inspect(timeout=INSPECT_TIMEOUT_SECONDS).registered()
        print(json.dumps(registered))
        return
    sent = [
        app.send_task(options.name, args=options.args, task_id=options.task_id)
        for _ in range(options.count)
    ]
    print(" ".join(result.id for result in sent))


if __name__ == "__main__":
    main()
