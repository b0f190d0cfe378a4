"""Section `up`: `docker compose up --wait` of built images, and each service's
own time from its container's start to its first passing healthcheck."""

from __future__ import annotations

import time
from typing import Any

from stack_testing import ComposeStack

from bench.project import SERVICES, log


def timed_up(stack: ComposeStack, *, build: bool = False) -> float:
    started = time.perf_counter()
    stack.up(build=build, no_build=not build, wait_timeout=300)
    return time.perf_counter() - started


def service_times(stack: ComposeStack, command_started: float) -> dict[str, dict[str, float]]:
    """Each service's container start, and when it was ready: its first passing
    healthcheck (db-init: when it exited), as seconds after `up` began."""
    times: dict[str, dict[str, float]] = {}
    for service in SERVICES:
        containers = stack.containers(service, stopped_too=True)
        if not containers:
            continue
        state = containers[0].state
        started = state.started_at.timestamp()
        if service == "db-init":
            ready = state.finished_at.timestamp()
        else:
            checks = (state.health.log if state.health else None) or []
            passes = [check.end for check in checks if check.exit_code == 0 and check.end]
            if not passes:
                continue
            ready = min(passes).timestamp()
        times[service] = {
            "started_at_s": round(started - command_started, 3),
            "ready_at_s": round(ready - command_started, 3),
            "own_s": round(ready - started, 3),
        }
    return times


def measure(stack: ComposeStack, runs: int) -> dict[str, Any]:
    log("up: first start (fresh volumes)")
    stack.remove()
    started = time.time()
    first = timed_up(stack)
    first_services = service_times(stack, started)
    results = []
    rebuild_up: list[float] = []
    for number in range(1, runs + 1):
        log(f"up {number}/{runs}: down (volumes kept), then up --wait")
        stack.down(timeout=10)
        started = time.time()
        total = timed_up(stack)
        services = service_times(stack, started)
        slowest = max(services, key=lambda name: services[name]["own_s"])
        results.append(
            {
                "total_s": round(total, 3),
                "slowest": slowest,
                "slowest_own_s": services[slowest]["own_s"],
                "ratio": round(total / services[slowest]["own_s"], 3),
                "services": services,
            }
        )
        log(f"up {number}/{runs}: down, then up --build --wait (what `just up` runs)")
        stack.down(timeout=10)
        rebuild_up.append(round(timed_up(stack, build=True), 3))
    return {
        "first_start_s": round(first, 3),
        "first_start_services": first_services,
        "runs": results,
        "up_with_build_check_s": rebuild_up,
    }
