"""Runs inside the backend container (the infra tests pass it to its Python):
sends tasks by name as the API does, with the container's settings: each task
is recorded in Postgres (stack_db.task_records), then published with the
publisher of the worker's contract. `registered` runs in the worker's
container: a control broadcast needs the worker's Redis user.

    python publisher_probe.py send NAME ARGS_JSON COUNT  # prints the COUNT task ids
    python publisher_probe.py send NAME ARGS_JSON --task-id ID  # one task with that id
    python publisher_probe.py registered  # the tasks each worker registered, as JSON
    python publisher_probe.py occupy SLEEP N PINGS  # N stack.sleep(SLEEP) tasks, until each
        # is STARTED (Celery's state, in Redis), then PINGS stack.ping behind them;
        # prints the sleeps' ids, "|", the pings' ids
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from typing import Any

from stack_db.base_settings import load_or_exit
from stack_db.database_settings import DatabaseSettings
from stack_db.engine import create_db_engine, create_session_factory
from stack_db.task_records import record_task
from stack_worker.contract import BrokerSettings, create_publisher

INSPECT_TIMEOUT_SECONDS = 5
OCCUPY_TIMEOUT_SECONDS = 30


def main() -> None:
    parser = argparse.ArgumentParser(prog="publisher-probe")
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("send")
    send.add_argument("name")
    send.add_argument("args", type=json.loads)
    send.add_argument("count", type=int, nargs="?", default=1)
    send.add_argument("--task-id")
    commands.add_parser("registered")
    occupy = commands.add_parser("occupy")
    occupy.add_argument("sleep", type=float)
    occupy.add_argument("processes", type=int)
    occupy.add_argument("pings", type=int)
    options = parser.parse_args()

    app = create_publisher(load_or_exit("publisher-probe", BrokerSettings))
    if options.command == "registered":
        registered = app.control.inspect(timeout=INSPECT_TIMEOUT_SECONDS).registered()
        print(json.dumps(registered))
        return
    engine = create_db_engine(load_or_exit("publisher-probe", DatabaseSettings))
    sessions = create_session_factory(engine)

    def send_recorded(name: str, args: list[Any], task_ids: list[str]) -> list[str]:
        with sessions() as session:
            for task_id in task_ids:
                record_task(session, task_id, name, args)
            session.commit()
        for task_id in task_ids:
            app.send_task(name, args=args, task_id=task_id)
        return task_ids

    def new_ids(count: int) -> list[str]:
        return [str(uuid.uuid4()) for _ in range(count)]

    if options.command == "occupy":
        sleeps = send_recorded("stack.sleep", [options.sleep], new_ids(options.processes))
        deadline = time.monotonic() + OCCUPY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if all(app.AsyncResult(task_id).state == "STARTED" for task_id in sleeps):
                break
            time.sleep(0.05)
        else:
            raise SystemExit(f"the sleeps did not start within {OCCUPY_TIMEOUT_SECONDS}s")
        pings = send_recorded("stack.ping", [], new_ids(options.pings))
        print(" ".join([*sleeps, "|", *pings]))
    else:
        ids = [options.task_id] if options.task_id else new_ids(options.count)
        print(" ".join(send_recorded(options.name, options.args, ids)))
    engine.dispose()


if __name__ == "__main__":
    main()
