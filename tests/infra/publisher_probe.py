"""Runs inside the backend container (the infra tests copy it there): sends
tasks by name as the API does, with the container's settings: each task is
recorded in Postgres (stack_db.task_records), then published with the
publisher of the worker's contract.

    python publisher_probe.py send NAME ARGS_JSON COUNT  # prints the COUNT task ids
    python publisher_probe.py send NAME ARGS_JSON --task-id ID  # one task with that id
    python publisher_probe.py registered  # the tasks each worker registered, as JSON
"""

from __future__ import annotations

import argparse
import json
import uuid

from stack_db.base_settings import load_or_exit
from stack_db.database_settings import DatabaseSettings
from stack_db.engine import create_db_engine, create_session_factory
from stack_db.task_records import record_task
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
    engine = create_db_engine(load_or_exit("publisher-probe", DatabaseSettings))
    sessions = create_session_factory(engine)
    task_ids = [options.task_id or str(uuid.uuid4()) for _ in range(options.count)]
    with sessions() as session:
        for task_id in task_ids:
            record_task(session, task_id, options.name, options.args)
        session.commit()
    for task_id in task_ids:
        app.send_task(options.name, args=options.args, task_id=task_id)
    engine.dispose()
    print(" ".join(task_ids))


if __name__ == "__main__":
    main()
