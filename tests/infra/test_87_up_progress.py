"""What `just up` says while it waits (scripts/up_progress.py), run against the
infra stack: each service as it becomes healthy, and a failing one at once
with its last log lines."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from harness import ROOT, Stack

UP_PROGRESS = ROOT / "scripts/up_progress.py"


def up_with_progress(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(UP_PROGRESS), "up", "--wait", "--no-build", *args],
        cwd=ROOT,
        env={**os.environ, **stack.environment()},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_each_recreated_service_is_reported_healthy(stack: Stack) -> None:
    done = up_with_progress(stack, "--force-recreate", "frontend")
    assert done.returncode == 0, done.stderr
    assert re.search(r"^==> frontend healthy after \d+\.\d s$", done.stdout, re.MULTILINE), (
        done.stdout
    )


def test_a_failing_service_is_reported_with_its_last_log_lines(stack: Stack) -> None:
    concurrency = stack.settings["WORKER_CONCURRENCY"]
    stack.write_env(WORKER_CONCURRENCY="0")
    try:
        done = up_with_progress(stack, "--wait-timeout", "90")
    finally:
        stack.write_env(WORKER_CONCURRENCY=concurrency)
        stack.up(wait_timeout=180)
    assert done.returncode != 0
    assert re.search(
        r"^==> celery_worker (is restarting|exited|is unhealthy|is not healthy)",
        done.stdout,
        re.MULTILINE,
    ), done.stdout
    assert "its last log lines (just logs celery_worker):" in done.stdout
    assert "WORKER_CONCURRENCY is invalid (got '0')" in done.stdout
