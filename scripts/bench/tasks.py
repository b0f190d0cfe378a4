"""Section `tasks`: the dummy task's round trip, stack.cpu_burn's round trip
and its work alone, and its throughput with 1 and 2 worker containers; then
the dummy task through the API, as a client sees it (round trip and
throughput, one worker). The probes run inside the containers
(task_probe.py, burn_probe.py, api_task_probe.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stack_testing import ComposeStack

from bench.project import HERE, log
from bench.stats import summary_ms


def probe_json(stack: ComposeStack, service: str, script: Path, *args: str) -> Any:
    """The PROBE_JSON line a probe script printed in the service's container."""
    output = stack.run_python(service, script, *args)
    for line in output.splitlines():
        if line.startswith("PROBE_JSON "):
            return json.loads(line.removeprefix("PROBE_JSON "))
    raise RuntimeError(f"no result from {script.name}: {output}")


def task_probe(
    stack: ComposeStack, mode: str, task: str, count: int, seconds: float, args: list[Any]
) -> Any:
    return probe_json(
        stack, "backend", HERE / "task_probe.py", mode, task, str(count), str(seconds),
        json.dumps(args),
    )  # fmt: skip


def measure(stack: ComposeStack, runs: int, quick: bool) -> dict[str, Any]:
    pings = 100 if quick else 300
    burns = 80 if quick else 240
    roundtrips = []
    for number in range(1, runs + 1):
        log(f"tasks {number}/{runs}: {pings} stack.ping round trips, one at a time")
        latencies = task_probe(stack, "roundtrip", "stack.ping", pings, 20, [])["latencies_ms"]
        roundtrips.append(summary_ms(latencies))
    log("tasks: stack.cpu_burn round trips, and its work timed in the worker")
    burn_roundtrip = summary_ms(
        task_probe(stack, "roundtrip", "stack.cpu_burn", 30, 20, [])["latencies_ms"]
    )
    in_process = probe_json(stack, "celery_worker", HERE / "burn_probe.py")
    api_roundtrips, api_throughput = [], []
    probe = HERE / "api_task_probe.py"
    for number in range(1, runs + 1):
        log(f"tasks {number}/{runs}: stack.ping through the API (POST, then GET until SUCCESS)")
        latencies = probe_json(stack, "backend", probe, "roundtrip", str(pings), "20")
        api_roundtrips.append(summary_ms(latencies["latencies_ms"]))
        outcome = probe_json(stack, "backend", probe, "throughput", str(burns), "60")
        outcome["tasks_per_s"] = round(outcome["tasks"] / outcome["seconds"], 2)
        api_throughput.append(outcome)
    throughput: dict[str, list[dict[str, Any]]] = {}
    for workers in (1, 2):
        stack.up(no_build=True, scales={"celery_worker": workers}, wait_timeout=300)
        throughput[str(workers)] = []
        for number in range(1, runs + 1):
            log(f"tasks {number}/{runs}: {burns} stack.cpu_burn at once, {workers} worker(s)")
            outcome = task_probe(stack, "throughput", "stack.cpu_burn", burns, 60, [])
            outcome["tasks_per_s"] = round(outcome["tasks"] / outcome["seconds"], 2)
            throughput[str(workers)].append(outcome)
    stack.up(no_build=True, scales={"celery_worker": 1})
    return {
        "ping_roundtrip_ms": roundtrips,
        "cpu_burn_roundtrip_ms": burn_roundtrip,
        "cpu_burn_in_process_ms": {key: summary_ms(values) for key, values in in_process.items()},
        "cpu_burn_throughput": throughput,
        "api_ping_roundtrip_ms": api_roundtrips,
        "api_ping_throughput": api_throughput,
    }
