"""Runs inside the backend or the worker container (the infra tests pass it to
its Python): logs in to Redis as that service's user, from the container's own
settings, and tries commands it must not run. Prints, as JSON, each command
with `refused` or what Redis answered.

    python redis_acl_probe.py
"""

from __future__ import annotations

import json

import redis
from stack_db.base_settings import load_or_exit
from stack_worker.contract import BrokerSettings

DANGEROUS = [
    ["FLUSHALL"],
    ["FLUSHDB"],
    ["CONFIG", "GET", "maxmemory"],
    ["CONFIG", "SET", "maxmemory", "0"],
    ["KEYS", "*"],
    ["ACL", "LIST"],
    ["SHUTDOWN", "NOSAVE"],
    ["SET", "not-a-stack-key", "x"],
]


def main() -> None:
    settings = load_or_exit("redis-acl-probe", BrokerSettings)
    client = redis.Redis.from_url(settings.redis_url_with_password, socket_timeout=5)
    answers = {"user": str(settings.redis_username)}
    for command in DANGEROUS:
        try:
            answers[" ".join(command)] = repr(client.execute_command(*command))
        except redis.exceptions.NoPermissionError:
            answers[" ".join(command)] = "refused"
    print(json.dumps(answers))


if __name__ == "__main__":
    main()
