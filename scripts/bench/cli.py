"""`just bench [options]`: run the sections asked for, write their measures as
JSON, then the report rendered from that JSON (`--render` renders a saved one)."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stack_testing import ROOT

import bench
from bench import builds, host, http_load, report, sizes, startup, targets, tasks, unit_tests
from bench.project import bench_stack, remove_images

SECTIONS = ("builds", "up", "http", "tasks", "unit")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench", description=(bench.__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each measure (3)")
    parser.add_argument("--quick", action="store_true", help="1 run, short HTTP runs: a smoke test")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"sections to run, of {','.join(SECTIONS)}"
    )
    parser.add_argument("--seconds", type=float, default=None, help="length of each wrk run (10)")
    parser.add_argument(
        "--project",
        default="stack-bench",
        help="Compose project, also the images' tag (stack-bench)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / ".bench", help="report folder (.bench)")
    parser.add_argument("--keep", action="store_true", help="leave the stack and images in place")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting of the benchmark's env file (from .env.example), to compare a change",
    )
    parser.add_argument(
        "--render",
        type=Path,
        metavar="JSON",
        help="measure nothing: print the report rendered from a saved .json",
    )
    options = parser.parse_args(argv)
    options.runs = 1 if options.quick else options.runs
    options.seconds = options.seconds or (3.0 if options.quick else 10.0)
    options.sections = [s.strip() for s in options.only.split(",") if s.strip()]
    unknown = set(options.sections) - set(SECTIONS)
    if unknown or options.runs < 1:
        parser.error(f"unknown sections {sorted(unknown)}" if unknown else "--runs must be >= 1")
    return options


def main(argv: list[str] | None = None) -> None:
    options = parse(argv)
    if options.render:
        print(report.markdown(json.loads(options.render.read_text())), end="")
        return
    sections, runs = options.sections, options.runs
    if "http" in sections:
        http_load.ensure_wrk()

    started = time.time()
    measures: dict[str, Any] = {
        "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "options": {
            "runs": runs,
            "quick": options.quick,
            "sections": sections,
            "settings": options.set,
            "http_seconds": options.seconds,
        },
        "host": host.facts(),
        "other_containers": [],
    }

    def sample(where: str) -> None:
        others = host.other_containers(options.project)
        measures["other_containers"].append({"at": where, "containers": others})

    def section(name: str, measure: Callable[[], Any]) -> None:
        if name in sections:
            sample(name)
            measures[name] = measure()

    with tempfile.TemporaryDirectory(prefix="stack-bench-") as temporary:
        folder = Path(temporary)
        overrides = dict(item.split("=", 1) for item in options.set)
        stack = bench_stack(options.project, folder, overrides)
        try:
            stack.remove()
            section("builds", lambda: builds.measure(runs, folder, stack.image_tag))
            if {"builds", "up", "http", "tasks"} & set(sections):
                sample("sizes")
                measures["sizes"] = sizes.measure(stack)
            section("up", lambda: startup.measure(stack, runs))
            if {"http", "tasks"} & set(sections) and "up" not in sections:
                stack.up(no_build=True, wait_timeout=300)
            section("http", lambda: http_load.measure(stack, runs, options.seconds))
            section("tasks", lambda: tasks.measure(stack, runs, options.quick))
        finally:
            if not options.keep:
                stack.remove()
                remove_images(stack)
        section("unit", lambda: unit_tests.measure(runs, folder))
    sample("end")
    measures["duration_s"] = round(time.time() - started, 1)
    measures["targets"] = targets.evaluate(measures)
    report.write(measures, options.out)
