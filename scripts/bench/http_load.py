"""Section `http`: /health and /health/live under wrk on loopback, 1 and 50
connections, and the Postgres sessions /health opens under load."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

from stack_testing import ComposeStack, run_command

from bench.project import HERE, log


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("bench: wrk is missing: `apt-get install wrk` as root, then run again")
    log("installing Debian's wrk (apt-get, as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run_command(["apt-get", "update"], env=env)
    run_command(["apt-get", "install", "-y", "--no-install-recommends", "wrk"], env=env)
    return shutil.which("wrk") or "wrk"


def wrk(url: str, connections: int, seconds: float) -> dict[str, Any]:
    threads = min(connections, 2)
    command = [
        ensure_wrk(), f"--threads={threads}", f"--connections={connections}",
        f"--duration={seconds:g}s", "--timeout=5s", f"--script={HERE / 'wrk-report.lua'}", url,
    ]  # fmt: skip
    output = run_command(command, timeout=seconds + 30)
    line = next(x for x in output.splitlines() if x.startswith("WRK_JSON "))
    report: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    report["requests_per_s"] = round(report["requests"] / (report["duration_us"] / 1e6), 1)
    for key in ("p50", "p90", "p99", "max"):
        report[f"{key}_ms"] = round(report.pop(f"{key}_us") / 1000, 3)
    return report


def postgres_sessions(stack: ComposeStack) -> int:
    return int(
        stack.psql("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
    )


def measure(stack: ComposeStack, runs: int, seconds: float) -> dict[str, Any]:
    wrk(stack.api + "/health", 1, 1)  # warm: the API's pools are open
    results = []
    sessions: list[int] = []
    for number in range(1, runs + 1):
        entry: dict[str, Any] = {}
        for connections in (1, 50):
            for path in ("/health/live", "/health"):
                log(f"http {number}/{runs}: {path} with {connections} connection(s), {seconds:g} s")
                count_sessions = path == "/health" and connections == 50
                before = postgres_sessions(stack) if count_sessions else 0
                entry[f"{path} c{connections}"] = wrk(stack.api + path, connections, seconds)
                if count_sessions:
                    # minus the one of the psql that counted them
                    sessions.append(postgres_sessions(stack) - before - 1)
        results.append(entry)
    return {"seconds_per_run": seconds, "runs": results, "new_db_sessions_at_c50": sessions}
