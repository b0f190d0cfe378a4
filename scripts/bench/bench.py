"""`just bench`: measure the development loop on the local Docker engine.

One run measures, so that ratios hold on a noisy machine:

- builds: each image's cold build (no layer cache, empty cache mounts), the app
  image's rebuild after a source-only change and after a lock change, the
  image sizes and the app image's floor;
- up: `docker compose up --wait` of built images, beside each service's own
  time from its container's start to its first passing healthcheck;
- http: /health and /health/live with wrk, 1 and 50 connections, on loopback;
- tasks: the dummy task's round trip, and the throughput of stack.cpu_burn
  with 1 and 2 worker containers of concurrency 1;
- unit: `uv run tox -e unit`, in a copy of the work tree.

Everything runs under its own Compose project (`stack-bench`) on free host
ports, with its own image tag, and is removed at the end. The report goes to
.bench/ as Markdown and JSON. docs/dev/performance.md explains the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TAG = "bench"
CACHE_ID_PREFIX = "stack-bench-"
SECTIONS = ("builds", "up", "http", "tasks", "unit")
IMAGES = {  # image name: (context, Dockerfile) as compose.yaml builds them
    "app": ("stack-app", ".", "backend/Dockerfile"),
    "db": ("stack-db", "images/postgres", "images/postgres/Dockerfile"),
    "redis": ("stack-redis", "images/redis", "images/redis/Dockerfile"),
    "frontend": ("stack-frontend", "images/frontend", "images/frontend/Dockerfile"),
}
# What .dockerignore lets into the app image's context.
APP_CONTEXT = [
    "uv.lock",
    "pyproject.toml",
    ".dockerignore",
    "backend/Dockerfile",
    *[f"{member}/pyproject.toml" for member in ("backend", "worker", "db")],
    *[f"{member}/src" for member in ("backend", "worker", "db")],
]
LONG_RUNNING = ("db", "redis", "backend", "celery_worker", "frontend")
SERVICES = ("db", "redis", "db-init", "backend", "celery_worker", "frontend")

TARGETS = {
    "source_rebuild": "source-only rebuild of the app image <= 5% of its cold build",
    "app_size": "app image <= 300 MB",
    "app_floor": "app image <= 1.15x its floor",
    "up": "warm `up` to all-healthy <= 2x the slowest service's own time to ready",
    "health_p99": "/health p99 <= 10 ms with 1 client",
    "health_throughput": "/health throughput at 50 clients >= 0.5x /health/live's",
    "task_roundtrip": "dummy task round trip p50 <= 15 ms",
    "scale_out": "cpu_burn tasks/s with 2 workers >= 1.6x with 1 (concurrency 1 each)",
}


def log(message: str) -> None:
    print(f"bench: {message}", flush=True)


def run(
    command: list[str],
    *,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    timeout: float = 900,
    check: bool = True,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input_text,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited {result.returncode}\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def timed(command: list[str], **kwargs: Any) -> float:
    started = time.perf_counter()
    run(command, **kwargs)
    return time.perf_counter() - started


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def parse_time(stamp: str) -> float:
    """Docker's RFC 3339 (nanoseconds) or Go's '2006-01-02 15:04:05.999 +0000 UTC'."""
    stamp = stamp.strip()
    match = re.match(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?", stamp)
    if not match:
        raise ValueError(f"unknown time format: {stamp}")
    whole = datetime.fromisoformat(f"{match[1]}T{match[2]}+00:00").timestamp()
    return whole + float(f"0.{match[3] or 0}")


# --- the Compose project --------------------------------------------------


class Stack:
    def __init__(self, project: str, workdir: Path, overrides: dict[str, str]) -> None:
        self.project = project
        self.env_file = workdir / "bench.env"
        settings = read_env_example()
        settings.update(
            API_HOST_PORT=str(free_port()),
            FRONTEND_HOST_PORT=str(free_port()),
            WORKER_CONCURRENCY="1",
        )
        settings.update(overrides)
        self.settings = settings
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
        self.env = {
            **os.environ,
            "ENV_FILE": str(self.env_file),
            "STACK_IMAGE_TAG": TAG,
            "BUILD_CA_BUNDLE": ca_bundle(),
        }

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.settings['API_HOST_PORT']}"

    def compose_command(self, *args: str) -> list[str]:
        return ["docker", "compose", "-p", self.project, "--env-file", str(self.env_file), *args]

    def compose(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return run(self.compose_command(*args), env=self.env, **kwargs)

    def timed_compose(self, *args: str) -> float:
        return timed(self.compose_command(*args), env=self.env, timeout=300)

    def container_ids(self, service: str | None = None) -> list[str]:
        args = ["ps", "--all", "--quiet"] + ([service] if service else [])
        return self.compose(*args).stdout.split()

    def exec_python(self, service: str, script: Path, *args: str, timeout: float = 180) -> Any:
        result = self.compose(
            "exec", "-T", service, "python", "-", *args,
            input_text=script.read_text(), timeout=timeout,
        )  # fmt: skip
        for line in result.stdout.splitlines():
            if line.startswith("PROBE_JSON "):
                return json.loads(line.removeprefix("PROBE_JSON "))
        raise RuntimeError(f"no result from {script.name}: {result.stdout}\n{result.stderr}")

    def psql(self, sql: str) -> str:
        script = 'exec psql -d "$POSTGRES_DB" -tAq -v ON_ERROR_STOP=1 -c "$1"'
        return self.compose("exec", "-T", "db", "bash", "-c", script, "-", sql).stdout.strip()

    def remove(self) -> None:
        self.compose("down", "--volumes", "--remove-orphans", "--timeout", "10", check=False)


def read_env_example() -> dict[str, str]:
    """The variables of .env.example, as Compose reads them."""
    values = dotenv_values(ROOT / ".env.example")
    return {key: value for key, value in values.items() if value is not None}


def ca_bundle() -> str:
    return (
        os.environ.get("BUILD_CA_BUNDLE")
        or run([str(ROOT / "scripts" / "ca-bundle")]).stdout.strip()
    )


def other_containers(project: str) -> list[str]:
    """Running containers that are not this benchmark's: they share the 2 cores."""
    names = run(["docker", "ps", "--format", "{{.Names}}"]).stdout.split()
    return sorted(name for name in names if not name.startswith(f"{project}-"))


# --- builds ------------------------------------------------------------------


def app_context_copy(into: Path) -> Path:
    """A copy of the app image's build context whose Dockerfile names its cache
    mounts after a fresh id: those mounts start empty (a cold build has no uv or
    pip cache) and are this benchmark's own, to remove afterwards."""
    for relative in APP_CONTEXT:
        source = ROOT / relative
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target)
    return into


def fresh_cache_ids(dockerfile: Path, nonce: str) -> None:
    text = dockerfile.read_text()
    text, replaced = re.subn(
        r"type=cache,target=([^\s,]+)", rf"type=cache,id={CACHE_ID_PREFIX}{nonce}\1,target=\1", text
    )
    if not replaced:
        raise RuntimeError(f"{dockerfile}: no cache mount found to rename")
    dockerfile.write_text(text)


def build_command(image: str, context: Path, dockerfile: Path, *extra: str) -> list[str]:
    return [
        "docker", "build", "--quiet", "--tag", image, "--file", str(dockerfile),
        "--secret", f"id=ca,src={ca_bundle()}", *extra, str(context),
    ]  # fmt: skip


def remove_own_cache_mounts() -> None:
    listing = run(["docker", "buildx", "du", "--format", "json"], check=False).stdout
    for line in listing.splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if entry.get("Type") == "exec.cachemount" and f'id "/{CACHE_ID_PREFIX}' in entry.get(
                "Description", ""
            ):
                run(["docker", "buildx", "prune", "--force", "--filter", f"id={entry['ID']}"])


def image_size(image: str) -> int:
    return int(run(["docker", "image", "inspect", "--format", "{{.Size}}", image]).stdout)


def measure_builds(runs: int, workdir: Path) -> dict[str, Any]:
    cold: dict[str, list[float]] = {name: [] for name in IMAGES}
    source: list[float] = []
    lock: list[float] = []
    try:
        for number in range(1, runs + 1):
            context = app_context_copy(workdir / f"app-context-{number}")
            dockerfile = context / "backend/Dockerfile"
            fresh_cache_ids(dockerfile, secrets.token_hex(4))
            app = f"stack-app:{TAG}"
            log(f"builds {number}/{runs}: cold app image")
            cold["app"].append(timed(build_command(app, context, dockerfile, "--no-cache")))
            for name in ("db", "redis", "frontend"):
                image, directory, file = IMAGES[name]
                log(f"builds {number}/{runs}: cold {image}")
                command = build_command(
                    f"{image}:{TAG}", ROOT / directory, ROOT / file, "--no-cache"
                )
                cold[name].append(timed(command))
            log(f"builds {number}/{runs}: app image after a source-only change")
            marker = context / "backend/src/stack_backend/__init__.py"
            marker.write_text(
                marker.read_text() + f"# bench: source change {secrets.token_hex(4)}\n"
            )
            source.append(timed(build_command(app, context, dockerfile)))
            log(f"builds {number}/{runs}: app image after a lock change")
            lock_file = context / "uv.lock"
            lock_file.write_text(
                lock_file.read_text() + f"# bench: lock change {secrets.token_hex(4)}\n"
            )
            lock.append(timed(build_command(app, context, dockerfile)))
            shutil.rmtree(context)
    finally:
        remove_own_cache_mounts()
    return {"cold_s": cold, "source_rebuild_s": source, "lock_rebuild_s": lock}


def measure_sizes(stack: Stack) -> dict[str, Any]:
    """Sizes of the images the stack runs (built from the work tree as it is), and
    the app image's floor."""
    log("sizes: building the stack's images from the work tree, and the app image's floor")
    stack.compose("build", timeout=900)
    base = os.environ.get("BASE_IMAGE", "debian:trixie-slim")
    stages = {}
    for stage in ("python", "build"):
        stages[stage] = f"stack-bench-floor-{stage}:{TAG}"
        run(
            build_command(
                stages[stage], ROOT, ROOT / "backend/Dockerfile",
                "--target", stage, "--build-arg", f"BASE_IMAGE={base}",
            )
        )  # fmt: skip
    floor = f"stack-app-floor:{TAG}"
    run(
        build_command(
            floor, HERE, HERE / "floor.Dockerfile",
            "--build-arg", f"PYTHON_IMAGE={stages['python']}",
            "--build-arg", f"BUILD_IMAGE={stages['build']}",
        )
    )  # fmt: skip
    sizes = {name: image_size(f"{image}:{TAG}") for name, (image, _, _) in IMAGES.items()}
    sizes["app_floor"] = image_size(floor)
    sizes["base"] = image_size(base)
    sizes["python_stage"] = image_size(stages["python"])
    return sizes


# --- up ----------------------------------------------------------------------


def service_times(stack: Stack, command_started: float) -> dict[str, dict[str, float]]:
    """Each service's container start, and when it was ready: its first passing
    healthcheck (db-init: when it exited), as seconds after `up` began."""
    times: dict[str, dict[str, float]] = {}
    for service in SERVICES:
        ids = stack.container_ids(service)
        if not ids:
            continue
        state = json.loads(run(["docker", "inspect", ids[0]]).stdout)[0]["State"]
        started = parse_time(state["StartedAt"])
        if service == "db-init":
            ready = parse_time(state["FinishedAt"])
        else:
            passes = [p for p in (state.get("Health") or {}).get("Log") or [] if p["ExitCode"] == 0]
            if not passes:
                continue
            ready = min(parse_time(p["End"]) for p in passes)
        times[service] = {
            "started_at_s": round(started - command_started, 3),
            "ready_at_s": round(ready - command_started, 3),
            "own_s": round(ready - started, 3),
        }
    return times


def measure_up(stack: Stack, runs: int) -> dict[str, Any]:
    log("up: first start (fresh volumes)")
    stack.remove()
    started = time.time()
    first = stack.timed_compose("up", "--detach", "--wait", "--no-build")
    first_services = service_times(stack, started)
    results = []
    rebuild_up: list[float] = []
    for number in range(1, runs + 1):
        log(f"up {number}/{runs}: down (volumes kept), then up --wait")
        stack.compose("down", "--timeout", "10")
        started = time.time()
        total = stack.timed_compose("up", "--detach", "--wait", "--no-build")
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
        stack.compose("down", "--timeout", "10")
        rebuild_up.append(round(stack.timed_compose("up", "--detach", "--wait", "--build"), 3))
    return {
        "first_start_s": round(first, 3),
        "first_start_services": first_services,
        "runs": results,
        "up_with_build_check_s": rebuild_up,
    }


# --- http --------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("bench: wrk is missing: `apt-get install wrk` as root, then run again")
    log("installing Debian's wrk (apt-get, as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update"], env=env)
    run(["apt-get", "install", "-y", "--no-install-recommends", "wrk"], env=env)
    return shutil.which("wrk") or "wrk"


def wrk(url: str, connections: int, seconds: float) -> dict[str, Any]:
    threads = min(connections, 2)
    command = [
        ensure_wrk(), f"--threads={threads}", f"--connections={connections}",
        f"--duration={seconds:g}s", "--timeout=5s", f"--script={HERE / 'wrk-report.lua'}", url,
    ]  # fmt: skip
    output = run(command, timeout=seconds + 30).stdout
    line = next(x for x in output.splitlines() if x.startswith("WRK_JSON "))
    report: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    report["requests_per_s"] = round(report["requests"] / (report["duration_us"] / 1e6), 1)
    for key in ("p50", "p90", "p99", "max"):
        report[f"{key}_ms"] = round(report.pop(f"{key}_us") / 1000, 3)
    return report


def measure_http(stack: Stack, runs: int, seconds: float) -> dict[str, Any]:
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


def postgres_sessions(stack: Stack) -> int:
    return int(
        stack.psql("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
    )


# --- tasks -------------------------------------------------------------------


def probe(stack: Stack, mode: str, task: str, count: int, seconds: float, args: list[Any]) -> Any:
    return stack.exec_python(
        "backend", HERE / "task_probe.py", mode, task, str(count), str(seconds), json.dumps(args)
    )


def burn_in_process_ms(stack: Stack) -> dict[str, list[float]]:
    """stack.cpu_burn's own work, timed in a worker container without Celery:
    back to back, and each after 10 ms idle, as a worker's tasks come (on a
    virtual machine a core that was idle can run slower for a while)."""
    script = (
        "import json, time\n"
        "from stack_worker.tasks import CPU_BURN_DEFAULT_ITERATIONS as n, burn\n"
        "times = {'back_to_back': [], 'after_idle': []}\n"
        "for rest in [0.0] * 30 + [0.01] * 30:\n"
        "    time.sleep(rest); t = time.perf_counter(); burn(n)\n"
        "    key = 'after_idle' if rest else 'back_to_back'\n"
        "    times[key].append((time.perf_counter() - t) * 1000)\n"
        "print('PROBE_JSON ' + json.dumps(times))\n"
    )
    path = stack.env_file.parent / "burn_probe.py"
    path.write_text(script)
    times: dict[str, list[float]] = stack.exec_python("celery_worker", path)
    return times


def measure_tasks(stack: Stack, runs: int, quick: bool) -> dict[str, Any]:
    pings = 100 if quick else 300
    burns = 80 if quick else 240
    roundtrips = []
    for number in range(1, runs + 1):
        log(f"tasks {number}/{runs}: {pings} stack.ping round trips, one at a time")
        latencies = probe(stack, "roundtrip", "stack.ping", pings, 20, [])["latencies_ms"]
        roundtrips.append(summary_ms(latencies))
    log("tasks: stack.cpu_burn round trips, and its work timed in the worker")
    burn_roundtrip = summary_ms(
        probe(stack, "roundtrip", "stack.cpu_burn", 30, 20, [])["latencies_ms"]
    )
    in_process = {key: summary_ms(values) for key, values in burn_in_process_ms(stack).items()}
    throughput: dict[str, list[dict[str, Any]]] = {}
    for workers in (1, 2):
        stack.compose(
            "up", "--detach", "--wait", "--no-build", "--scale", f"celery_worker={workers}",
            timeout=300,
        )  # fmt: skip
        throughput[str(workers)] = []
        for number in range(1, runs + 1):
            log(f"tasks {number}/{runs}: {burns} stack.cpu_burn at once, {workers} worker(s)")
            outcome = probe(stack, "throughput", "stack.cpu_burn", burns, 60, [])
            outcome["tasks_per_s"] = round(outcome["tasks"] / outcome["seconds"], 2)
            throughput[str(workers)].append(outcome)
    stack.compose("up", "--detach", "--wait", "--no-build", "--scale", "celery_worker=1")
    return {
        "ping_roundtrip_ms": roundtrips,
        "cpu_burn_roundtrip_ms": burn_roundtrip,
        "cpu_burn_in_process_ms": in_process,
        "cpu_burn_throughput": throughput,
    }


def summary_ms(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "p50": round(statistics.median(values), 3),
        "p99": round(percentile(values, 0.99), 3),
        "max": round(max(values), 3),
    }


# --- unit tests ----------------------------------------------------------------


def measure_unit(runs: int, workdir: Path) -> dict[str, Any]:
    """`uv run tox -e unit` in a copy of the work tree (others may be running tox
    in the real one); the first run creates the environments and is reported apart."""
    copy = workdir / "worktree"
    files = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]).stdout
    for relative in filter(None, files.split("\0")):
        source = ROOT / relative
        if source.is_file():
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / relative)
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    }
    command = ["uv", "run", "tox", "-e", "unit"]
    log("unit: first run in a copy of the work tree (creates the environments)")
    first = timed(command, cwd=copy, env=env)
    times = []
    for number in range(1, runs + 1):
        log(f"unit {number}/{runs}: uv run tox -e unit")
        times.append(round(timed(command, cwd=copy, env=env), 3))
    return {"first_run_s": round(first, 3), "runs_s": times}


# --- the report ------------------------------------------------------------------


def host_facts() -> dict[str, Any]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = 0.0
    with contextlib.suppress(OSError, IndexError, ValueError):
        memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2

    def version(*command: str) -> str:
        return run(list(command), check=False).stdout.strip()

    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": round(memory, 1),
        "kernel": platform.release(),
        "os": version("sh", "-c", '. /etc/os-release && echo "$PRETTY_NAME"'),
        "docker_engine": version("docker", "version", "--format", "{{.Server.Version}}"),
        "compose": version("docker", "compose", "version", "--short"),
        "buildx": version("docker", "buildx", "version"),
        "wrk": shutil.which("wrk") and version("sh", "-c", "wrk --version 2>&1 | head -1"),
        "git_commit": version("git", "rev-parse", "--short", "HEAD"),
        "git_dirty": bool(version("git", "status", "--porcelain")),
    }


def evaluate(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target: the measured median, and whether it is met."""
    rows: list[dict[str, Any]] = []

    def add(key: str, measured: str, met: bool | None) -> None:
        rows.append({"key": key, "target": TARGETS[key], "measured": measured, "met": met})

    builds = report.get("builds")
    if builds:
        cold = median(builds["cold_s"]["app"]) or 0
        source = median(builds["source_rebuild_s"]) or 0
        add(
            "source_rebuild",
            f"{source:.2f} s of {cold:.1f} s = {source / cold:.1%}",
            source <= 0.05 * cold,
        )
    sizes = report.get("sizes")
    if sizes:
        app, floor = sizes["app"] / 1e6, sizes["app_floor"] / 1e6
        add("app_size", f"{app:.1f} MB", app <= 300)
        add("app_floor", f"{app:.1f} MB / {floor:.1f} MB = {app / floor:.3f}x", app <= 1.15 * floor)
    up = report.get("up")
    if up and up["runs"]:
        total = median([r["total_s"] for r in up["runs"]]) or 0
        slowest = median([r["slowest_own_s"] for r in up["runs"]]) or 0
        ratio = median([r["ratio"] for r in up["runs"]]) or 0
        names = sorted({r["slowest"] for r in up["runs"]})
        add(
            "up",
            f"{total:.2f} s vs {slowest:.2f} s ({'/'.join(names)}) = {ratio:.2f}x",
            ratio <= 2,
        )
    http = report.get("http")
    if http:
        p99 = median([r["/health c1"]["p99_ms"] for r in http["runs"]]) or 0
        add("health_p99", f"{p99:.2f} ms", p99 <= 10)
        ratios = [
            r["/health c50"]["requests_per_s"] / r["/health/live c50"]["requests_per_s"]
            for r in http["runs"]
        ]
        health = median([r["/health c50"]["requests_per_s"] for r in http["runs"]]) or 0
        live = median([r["/health/live c50"]["requests_per_s"] for r in http["runs"]]) or 0
        ratio = median(ratios) or 0
        add("health_throughput", f"{health:.0f}/s vs {live:.0f}/s = {ratio:.2f}x", ratio >= 0.5)
    tasks = report.get("tasks")
    if tasks:
        p50 = median([r["p50"] for r in tasks["ping_roundtrip_ms"]]) or 0
        add("task_roundtrip", f"{p50:.2f} ms", p50 <= 15)
        one = median([r["tasks_per_s"] for r in tasks["cpu_burn_throughput"]["1"]]) or 0
        two = median([r["tasks_per_s"] for r in tasks["cpu_burn_throughput"]["2"]]) or 0
        add("scale_out", f"{two:.1f}/s vs {one:.1f}/s = {two / one:.2f}x", two >= 1.6 * one)
    return rows


def fmt(values: list[float], unit: str = "s", digits: int = 2) -> str:
    if not values:
        return "-"
    runs = ", ".join(f"{v:.{digits}f}" for v in values)
    return f"**{statistics.median(values):.{digits}f}{' ' if unit else ''}{unit}** ({runs})"


def markdown(report: dict[str, Any]) -> str:
    host = report["host"]
    out = [
        f"# Benchmark of the development loop: {report['started_at']}",
        "",
        f"Host: {host['cpus']} cores ({host['cpu_model']}), {host['memory_gib']} GiB, "
        f"{host['os']}, kernel {host['kernel']}; Docker Engine {host['docker_engine']}, "
        f"Compose {host['compose']}. Commit {host['git_commit']}"
        f"{' with uncommitted changes' if host['git_dirty'] else ''}. "
        f"{report['options']['runs']} run(s) per figure; medians in bold, every run in "
        f"brackets. Took {report['duration_s']:.0f} s.",
        "",
    ]
    quiet = report["other_containers"]
    seen = sorted({name for sample in quiet for name in sample["containers"]})
    out += [
        "Other containers running during the benchmark: "
        + (", ".join(f"`{n}`" for n in seen) + " (figures may be noisy)" if seen else "none")
        + ".",
        "",
        "## Targets",
        "",
        "| target | measured (median) | met |",
        "| --- | --- | --- |",
    ]
    for row in report["targets"]:
        out.append(f"| {row['target']} | {row['measured']} | {'yes' if row['met'] else '**no**'} |")
    builds = report.get("builds")
    if builds:
        out += ["", "## Builds", "", "| build | time |", "| --- | --- |"]
        for name, times in builds["cold_s"].items():
            out.append(
                f"| {IMAGES[name][0]} cold (no layer cache, empty cache mounts) | {fmt(times)} |"
            )
        out.append(f"| stack-app after a source-only change | {fmt(builds['source_rebuild_s'])} |")
        out.append(f"| stack-app after a lock change | {fmt(builds['lock_rebuild_s'])} |")
    sizes = report.get("sizes")
    if sizes:
        out += ["", "## Image sizes", "", "| image | size |", "| --- | --- |"]
        for name, size in sizes.items():
            label = {
                "app_floor": "stack-app's floor (base + python3 + locked dependencies)",
                "base": "base image",
                "python_stage": "base + Debian python3",
            }.get(name, IMAGES.get(name, (name,))[0])
            out.append(f"| {label} | {size / 1e6:.1f} MB |")
    up = report.get("up")
    if up:
        out += [
            "",
            "## Start-up",
            "",
            f"`up --wait` of built images, volumes kept: "
            f"{fmt([r['total_s'] for r in up['runs']])}; with the build check of `just up` "
            f"(`up --build --wait`): {fmt(up['up_with_build_check_s'])}; first start on fresh "
            f"volumes: {up['first_start_s']:.2f} s.",
            "",
            "Each service in the last run, in seconds after `up` began: container started, "
            "first healthcheck passed (db-init: exited), and its own time between the two.",
            "",
            "| service | started | ready | own |",
            "| --- | --- | --- | --- |",
        ]
        last = up["runs"][-1]["services"]
        for name, times in last.items():
            out.append(
                f"| {name} | {times['started_at_s']:.2f} | {times['ready_at_s']:.2f} | "
                f"{times['own_s']:.2f} |"
            )
    http = report.get("http")
    if http:
        out += [
            "",
            f"## HTTP (wrk on loopback, {http['seconds_per_run']:g} s a run)",
            "",
            "| endpoint, connections | requests/s | p50 | p99 | errors |",
            "| --- | --- | --- | --- | --- |",
        ]
        for key in ("/health/live c1", "/health c1", "/health/live c50", "/health c50"):
            runs = [r[key] for r in http["runs"]]
            errors = sum(
                r["connect_errors"]
                + r["read_errors"]
                + r["write_errors"]
                + r["non_2xx"]
                + r["timeouts"]
                for r in runs
            )
            out.append(
                f"| `{key}` | {fmt([r['requests_per_s'] for r in runs], '', 0)} | "
                f"{fmt([r['p50_ms'] for r in runs], 'ms')} | "
                f"{fmt([r['p99_ms'] for r in runs], 'ms')} | {errors} |"
            )
        out += [
            "",
            "New Postgres sessions during each `/health` run at 50 connections: "
            f"{', '.join(map(str, http['new_db_sessions_at_c50']))}.",
        ]
    tasks = report.get("tasks")
    if tasks:
        burn = tasks["cpu_burn_roundtrip_ms"]
        work = tasks["cpu_burn_in_process_ms"]
        pings = tasks["ping_roundtrip_ms"]
        out += [
            "",
            "## Tasks",
            "",
            "Published from inside the backend container with the API's Celery app, waiting "
            "on the result (Celery's `AsyncResult.get`, Redis pub/sub).",
            "",
            "| measure | figure |",
            "| --- | --- |",
            f"| `stack.ping` round trip p50 | {fmt([r['p50'] for r in pings], 'ms')} |",
            f"| `stack.ping` round trip p99 | {fmt([r['p99'] for r in pings], 'ms')} |",
            "| `stack.cpu_burn` work alone in a worker container, p50: back to back / "
            f"each after 10 ms idle | {work['back_to_back']['p50']:.2f} / "
            f"{work['after_idle']['p50']:.2f} ms |",
            f"| `stack.cpu_burn` round trip p50 / p99 | {burn['p50']:.2f} / {burn['p99']:.2f} ms |",
        ]
        for workers, runs in tasks["cpu_burn_throughput"].items():
            out.append(
                f"| `stack.cpu_burn` tasks/s, {workers} worker container(s) of concurrency 1 | "
                f"{fmt([r['tasks_per_s'] for r in runs], '/s', 1)} |"
            )
    unit = report.get("unit")
    if unit:
        out += [
            "",
            "## Unit tests",
            "",
            f"`uv run tox -e unit`: {fmt(unit['runs_s'])}; the first run, which creates the "
            f"environments, {unit['first_run_s']:.1f} s.",
        ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each measure (3)")
    parser.add_argument("--quick", action="store_true", help="1 run, short HTTP runs: a smoke test")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"sections to run, of {','.join(SECTIONS)}"
    )
    parser.add_argument("--seconds", type=float, default=None, help="length of each wrk run (10)")
    parser.add_argument("--project", default="stack-bench", help="Compose project (stack-bench)")
    parser.add_argument("--out", type=Path, default=ROOT / ".bench", help="report folder (.bench)")
    parser.add_argument("--keep", action="store_true", help="leave the stack and images in place")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting of the benchmark's env file (from .env.example), to compare a change",
    )
    options = parser.parse_args(argv)
    runs = 1 if options.quick else options.runs
    seconds = options.seconds or (3.0 if options.quick else 10.0)
    sections = [s.strip() for s in options.only.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown or runs < 1:
        parser.error(f"unknown sections {sorted(unknown)}" if unknown else "--runs must be >= 1")
    if "http" in sections:
        ensure_wrk()

    started = time.time()
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "options": {
            "runs": runs,
            "quick": options.quick,
            "sections": sections,
            "settings": options.set,
            "http_seconds": seconds,
        },
        "host": host_facts(),
        "other_containers": [],
    }

    def sample(where: str) -> None:
        report["other_containers"].append(
            {"at": where, "containers": other_containers(options.project)}
        )

    def section(name: str, measure: Callable[[], Any]) -> None:
        if name in sections:
            sample(name)
            report[name] = measure()

    with tempfile.TemporaryDirectory(prefix="stack-bench-") as temporary:
        workdir = Path(temporary)
        overrides = dict(item.split("=", 1) for item in options.set)
        stack = Stack(options.project, workdir, overrides)
        try:
            stack.remove()
            section("builds", lambda: measure_builds(runs, workdir))
            if {"up", "http", "tasks"} & set(sections) or "builds" in sections:
                sample("sizes")
                report["sizes"] = measure_sizes(stack)
            section("up", lambda: measure_up(stack, runs))
            if {"http", "tasks"} & set(sections) and "up" not in sections:
                stack.compose("up", "--detach", "--wait", "--no-build", timeout=300)
            section("http", lambda: measure_http(stack, runs, seconds))
            section("tasks", lambda: measure_tasks(stack, runs, options.quick))
        finally:
            if not options.keep:
                stack.remove()
                remove_images()
        section("unit", lambda: measure_unit(runs, workdir))
    sample("end")
    report["duration_s"] = round(time.time() - started, 1)
    report["targets"] = evaluate(report)
    write_report(report, options.out)


def remove_images() -> None:
    names = [f"{image}:{TAG}" for image, _, _ in IMAGES.values()]
    names += [
        f"stack-app-floor:{TAG}",
        f"stack-bench-floor-python:{TAG}",
        f"stack-bench-floor-build:{TAG}",
    ]
    present = [
        n for n in names if run(["docker", "image", "inspect", n], check=False).returncode == 0
    ]
    if present:
        run(["docker", "image", "rm", *present], check=False)


def write_report(report: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = markdown(report)
    for name in (f"bench-{stamp}", "latest"):
        (folder / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
        (folder / f"{name}.md").write_text(text)
    print(text)
    log(f"report: {folder / f'bench-{stamp}.md'} and .json (also {folder / 'latest.md'})")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
