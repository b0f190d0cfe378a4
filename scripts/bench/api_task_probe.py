"""Runs inside the backend container (copied there by bench/tasks.py): tasks
through the API itself, as a client sees them (POST /tasks/ping, then GET
/tasks/{id} until SUCCESS), on 127.0.0.1:8000 without docker-proxy; prints
one JSON line. Standard library only: the app image has no HTTP client.

    python api_task_probe.py roundtrip COUNT SECONDS    # one at a time
    python api_task_probe.py throughput COUNT SECONDS   # COUNT accepted, then to the last
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

CLIENTS = 8
local = threading.local()


def call(method: str, path: str) -> dict[str, Any]:
    """One request on this thread's keep-alive connection."""
    if not hasattr(local, "connection"):
        local.connection = http.client.HTTPConnection("127.0.0.1", 8000, timeout=30)
    local.connection.request(method, path)
    response = local.connection.getresponse()
    body = json.loads(response.read())
    if response.status not in (200, 202):
        raise RuntimeError(f"{method} {path}: {response.status} {body}")
    return body


def done(task_id: str) -> bool:
    return call("GET", f"/tasks/{task_id}")["state"] == "SUCCESS"


def roundtrip(count: int, seconds: float) -> dict[str, Any]:
    latencies_ms: list[float] = []
    deadline = time.monotonic() + seconds
    while len(latencies_ms) <= count and time.monotonic() < deadline:
        started = time.perf_counter()
        task_id = call("POST", "/tasks/ping")["task_id"]
        while not done(task_id):
            pass  # polled back to back: the poll's own round trip is the resolution
        latencies_ms.append((time.perf_counter() - started) * 1000)
    return {"latencies_ms": latencies_ms[1:]}  # the first warms the connections


def throughput(count: int, seconds: float) -> dict[str, Any]:
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(lambda _: call("POST", "/tasks/ping"), range(CLIENTS)))  # warm
        started = time.perf_counter()
        ids = list(pool.map(lambda _: call("POST", "/tasks/ping")["task_id"], range(count)))
        accepted = time.perf_counter() - started
        pending = ids
        while pending and time.perf_counter() - started < seconds:
            finished = list(pool.map(done, pending))
            pending = [task_id for task_id, ok in zip(pending, finished, strict=True) if not ok]
    elapsed = time.perf_counter() - started
    return {"tasks": count - len(pending), "seconds": elapsed, "accept_seconds": accepted}


def main() -> None:
    mode, count, seconds = sys.argv[1:4]
    measure = {"roundtrip": roundtrip, "throughput": throughput}[mode]
    print("PROBE_JSON " + json.dumps(measure(int(count), float(seconds))))


if __name__ == "__main__":
    main()
