"""What the API may know of the worker: task names, and where workers announce
themselves. Nothing here imports the tasks' code."""

from __future__ import annotations

import time

PING_TASK = "stack.ping"
NEAREST_DOCUMENT_TASK = "stack.store_and_find_nearest"
SLEEP_TASK = "stack.sleep"
# Pure-Python work of a fixed size, for benchmarks (scripts/bench).
CPU_BURN_TASK = "stack.cpu_burn"

# A sorted set: member = worker node name, score = time of its last heartbeat.
WORKER_HEARTBEAT_KEY = "stack:worker-heartbeats"


def heartbeat_window_start(window_seconds: float, now: float | None = None) -> float:
    """The oldest heartbeat time that still counts a worker as alive."""
    return (time.time() if now is None else now) - window_seconds
