"""Runs inside the backend container (copied there by bench/tasks.py): publishes
tasks with the API's own Celery app and settings, waits on their results, and
prints one JSON line.

    python task_probe.py roundtrip TASK COUNT SECONDS ARGS_JSON   # one at a time: each
    python task_probe.py throughput TASK COUNT SECONDS ARGS_JSON  # COUNT at once: to the last

`roundtrip` waits with Celery's own `AsyncResult.get`, which listens on the
Redis result store (pub/sub); `throughput` polls the result keys. Both modes
stop at SECONDS.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from stack_db.base_settings import load_or_exit
from stack_worker.contract import BrokerSettings, create_publisher

RESULT_TIMEOUT_SECONDS = 30.0


def roundtrip(app: Any, task: str, count: int, seconds: float, args: list[Any]) -> dict[str, Any]:
    app.send_task(task, args=args).get(timeout=RESULT_TIMEOUT_SECONDS)  # warm: connections open
    latencies_ms: list[float] = []
    deadline = time.monotonic() + seconds
    while len(latencies_ms) < count and time.monotonic() < deadline:
        started = time.perf_counter()
        result = app.send_task(task, args=args)
        result.get(timeout=RESULT_TIMEOUT_SECONDS)
        latencies_ms.append((time.perf_counter() - started) * 1000)
    return {"latencies_ms": latencies_ms}


def throughput(app: Any, task: str, count: int, seconds: float, args: list[Any]) -> dict[str, Any]:
    """COUNT tasks at once, then the wall time until every result is stored.

    Completion is read by polling the result keys (one MGET every 20 ms) rather
    than by subscribing to each task: the prober shares the 2 cores with the
    workers, and a cheaper prober disturbs less what it measures."""
    for warm in [app.send_task(task, args=args) for _ in range(4)]:
        warm.get(timeout=RESULT_TIMEOUT_SECONDS)
    backend = app.backend
    backend.on_task_call = lambda producer, task_id: None  # no per-task subscription
    started = time.perf_counter()
    ids = [app.send_task(task, args=args).id for _ in range(count)]
    keys = [backend.get_key_for_task(task_id) for task_id in ids]
    done = 0
    while time.perf_counter() - started < seconds:
        done = sum(1 for value in backend.client.mget(keys) if value and b'"SUCCESS"' in value)
        if done == count:
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    workers: dict[str, int] = {}
    for value in backend.client.mget(keys):
        worker = json.loads(value).get("worker", "?") if value else "unfinished"
        workers[worker] = workers.get(worker, 0) + 1
    # The results stay (they expire with result_expires): the probe logs in as
    # the API's Redis user, which may read results but not delete them.
    return {"tasks": done, "seconds": elapsed, "per_worker": workers}


def main() -> None:
    mode, task, count, seconds, args = sys.argv[1:6]
    app = create_publisher(load_or_exit("task-probe", BrokerSettings), name="stack-bench")
    measure = {"roundtrip": roundtrip, "throughput": throughput}[mode]
    outcome = measure(app, task, int(count), float(seconds), json.loads(args))
    print("PROBE_JSON " + json.dumps(outcome))


if __name__ == "__main__":
    main()
