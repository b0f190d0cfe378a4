"""The report: the measures as JSON, and the Markdown rendered from that JSON
alone with the templates in templates/ (string.Template), one a section."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from string import Template
from typing import Any

from bench.project import IMAGES, log

TEMPLATES = Path(__file__).resolve().parent / "templates"
SIZE_LABELS = {
    "app_floor": "stack-app's floor (base + python3 + locked dependencies)",
    "base": "base image",
    "python_stage": "base + Debian python3",
}
HTTP_KEYS = ("/health/live c1", "/health c1", "/health/live c50", "/health c50")
WRK_ERRORS = ("connect_errors", "read_errors", "write_errors", "non_2xx", "timeouts")


def template(name: str) -> Template:
    return Template((TEMPLATES / f"{name}.md").read_text())


def figure(values: list[float], unit: str = "s", digits: int = 2) -> str:
    """The median in bold, then every run in brackets."""
    if not values:
        return "-"
    runs = ", ".join(f"{v:.{digits}f}" for v in values)
    return f"**{statistics.median(values):.{digits}f}{' ' if unit else ''}{unit}** ({runs})"


def rows(lines: list[str]) -> str:
    return "\n".join(lines)


def builds(data: dict[str, Any]) -> dict[str, str]:
    cold = [
        f"| {IMAGES[name][0]} cold (no layer cache, empty cache mounts) | {figure(times)} |"
        for name, times in data["cold_s"].items()
    ]
    return {
        "cold": rows(cold),
        "source_rebuild": figure(data["source_rebuild_s"]),
        "lock_rebuild": figure(data["lock_rebuild_s"]),
    }


def sizes(data: dict[str, Any]) -> dict[str, str]:
    lines = [
        f"| {SIZE_LABELS.get(name) or IMAGES.get(name, (name,))[0]} | {size / 1e6:.1f} MB |"
        for name, size in data.items()
    ]
    return {"sizes": rows(lines)}


def startup(data: dict[str, Any]) -> dict[str, str]:
    last = data["runs"][-1]["services"]
    services = [
        f"| {name} | {t['started_at_s']:.2f} | {t['ready_at_s']:.2f} | {t['own_s']:.2f} |"
        for name, t in last.items()
    ]
    return {
        "up": figure([r["total_s"] for r in data["runs"]]),
        "up_with_build_check": figure(data["up_with_build_check_s"]),
        "first_start": f"{data['first_start_s']:.2f}",
        "services": rows(services),
    }


def http(data: dict[str, Any]) -> dict[str, str]:
    endpoints = []
    for key in HTTP_KEYS:
        runs = [r[key] for r in data["runs"]]
        errors = sum(r[error] for r in runs for error in WRK_ERRORS)
        endpoints.append(
            f"| `{key}` | {figure([r['requests_per_s'] for r in runs], '', 0)} | "
            f"{figure([r['p50_ms'] for r in runs], 'ms')} | "
            f"{figure([r['p99_ms'] for r in runs], 'ms')} | {errors} |"
        )
    return {
        "seconds": f"{data['seconds_per_run']:g}",
        "endpoints": rows(endpoints),
        "new_sessions": ", ".join(map(str, data["new_db_sessions_at_c50"])),
    }


def tasks(data: dict[str, Any]) -> dict[str, str]:
    pings = data["ping_roundtrip_ms"]
    work = data["cpu_burn_in_process_ms"]
    burn = data["cpu_burn_roundtrip_ms"]
    throughput = [
        f"| `stack.cpu_burn` tasks/s, {workers} worker container(s) of concurrency 1 | "
        f"{figure([r['tasks_per_s'] for r in runs], '/s', 1)} |"
        for workers, runs in data["cpu_burn_throughput"].items()
    ]
    return {
        "ping_p50": figure([r["p50"] for r in pings], "ms"),
        "ping_p99": figure([r["p99"] for r in pings], "ms"),
        "burn_back_to_back": f"{work['back_to_back']['p50']:.2f}",
        "burn_after_idle": f"{work['after_idle']['p50']:.2f}",
        "burn_p50": f"{burn['p50']:.2f}",
        "burn_p99": f"{burn['p99']:.2f}",
        "throughput": rows(throughput),
        "api_p50": figure([r["p50"] for r in data.get("api_ping_roundtrip_ms", [])], "ms"),
        "api_p99": figure([r["p99"] for r in data.get("api_ping_roundtrip_ms", [])], "ms"),
        "api_throughput": figure(
            [r["tasks_per_s"] for r in data.get("api_ping_throughput", [])], "/s", 1
        ),
    }


def unit(data: dict[str, Any]) -> dict[str, str]:
    return {"runs": figure(data["runs_s"]), "first_run": f"{data['first_run_s']:.1f}"}


# The report's sections in order: (key in the JSON, template, its values).
SECTIONS: list[tuple[str, str, Callable[[dict[str, Any]], dict[str, str]]]] = [
    ("builds", "builds", builds),
    ("sizes", "sizes", sizes),
    ("up", "startup", startup),
    ("http", "http", http),
    ("tasks", "tasks", tasks),
    ("unit", "unit", unit),
]


def markdown(report: dict[str, Any]) -> str:
    host = report["host"]
    seen = sorted({name for sample in report["other_containers"] for name in sample["containers"]})
    others = ", ".join(f"`{name}`" for name in seen) + " (figures may be noisy)" if seen else "none"
    targets = [
        f"| {row['target']} | {row['measured']} | {'yes' if row['met'] else '**no**'} |"
        for row in report["targets"]
    ]
    sections = "".join(
        template(name).substitute(values(report[key]))
        for key, name, values in SECTIONS
        if report.get(key)
    )
    dirty = " with uncommitted changes" if host["git_dirty"] else ""
    page = template("report").substitute(
        host,
        started_at=report["started_at"],
        commit=f"{host['git_commit']}{dirty}",
        runs=report["options"]["runs"],
        duration=f"{report['duration_s']:.0f}",
        other_containers=others,
        targets=rows(targets),
        sections=sections,
    )
    return page.rstrip("\n") + "\n"


def write(report: dict[str, Any], folder: Path) -> None:
    """The JSON first, then the Markdown rendered from it, each also as latest.*."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    data = json.dumps(report, indent=2) + "\n"
    text = markdown(json.loads(data))
    for name in (f"bench-{stamp}", "latest"):
        (folder / f"{name}.json").write_text(data)
        (folder / f"{name}.md").write_text(text)
    print(text)
    log(f"report: {folder / f'bench-{stamp}.md'} and .json (also {folder / 'latest.md'})")
