"""Runs inside a worker container (copied there by bench/tasks.py): times
stack.cpu_burn's own work without Celery, back to back and each after 10 ms
idle, as a worker's tasks come (on a virtual machine a core that was idle can
run slower for a while). Prints one JSON line."""

from __future__ import annotations

import json
import time

from stack_worker.tasks import CPU_BURN_DEFAULT_ITERATIONS, burn

RUNS = 30
IDLE_SECONDS = 0.01


def main() -> None:
    times: dict[str, list[float]] = {"back_to_back": [], "after_idle": []}
    for rest in [0.0] * RUNS + [IDLE_SECONDS] * RUNS:
        time.sleep(rest)
        started = time.perf_counter()
        burn(CPU_BURN_DEFAULT_ITERATIONS)
        times["after_idle" if rest else "back_to_back"].append(
            (time.perf_counter() - started) * 1000
        )
    print("PROBE_JSON " + json.dumps(times))


if __name__ == "__main__":
    main()
