"""The performance targets, and each one's measured median against it."""

from __future__ import annotations

from typing import Any

from bench.stats import median

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


def evaluate(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target the report's sections measured: the median, and whether it is met."""
    rows: list[dict[str, Any]] = []

    def add(key: str, measured: str, met: bool) -> None:
        rows.append({"key": key, "target": TARGETS[key], "measured": measured, "met": met})

    if builds := report.get("builds"):
        cold = median(builds["cold_s"]["app"])
        source = median(builds["source_rebuild_s"])
        add(
            "source_rebuild",
            f"{source:.2f} s of {cold:.1f} s = {source / cold:.1%}",
            source <= 0.05 * cold,
        )
    if sizes := report.get("sizes"):
        app, floor = sizes["app"] / 1e6, sizes["app_floor"] / 1e6
        add("app_size", f"{app:.1f} MB", app <= 300)
        add("app_floor", f"{app:.1f} MB / {floor:.1f} MB = {app / floor:.3f}x", app <= 1.15 * floor)
    if (up := report.get("up")) and up["runs"]:
        total = median([r["total_s"] for r in up["runs"]])
        slowest = median([r["slowest_own_s"] for r in up["runs"]])
        ratio = median([r["ratio"] for r in up["runs"]])
        names = sorted({r["slowest"] for r in up["runs"]})
        add(
            "up",
            f"{total:.2f} s vs {slowest:.2f} s ({'/'.join(names)}) = {ratio:.2f}x",
            ratio <= 2,
        )
    if http := report.get("http"):
        runs = http["runs"]
        p99 = median([r["/health c1"]["p99_ms"] for r in runs])
        add("health_p99", f"{p99:.2f} ms", p99 <= 10)
        health = median([r["/health c50"]["requests_per_s"] for r in runs])
        live = median([r["/health/live c50"]["requests_per_s"] for r in runs])
        ratio = median(
            [
                r["/health c50"]["requests_per_s"] / r["/health/live c50"]["requests_per_s"]
                for r in runs
            ]
        )
        add("health_throughput", f"{health:.0f}/s vs {live:.0f}/s = {ratio:.2f}x", ratio >= 0.5)
    if tasks := report.get("tasks"):
        p50 = median([r["p50"] for r in tasks["ping_roundtrip_ms"]])
        add("task_roundtrip", f"{p50:.2f} ms", p50 <= 15)
        one = median([r["tasks_per_s"] for r in tasks["cpu_burn_throughput"]["1"]])
        two = median([r["tasks_per_s"] for r in tasks["cpu_burn_throughput"]["2"]])
        add("scale_out", f"{two:.1f}/s vs {one:.1f}/s = {two / one:.2f}x", two >= 1.6 * one)
    return rows
