"""Section `unit`: `uv run tox -e unit` in a copy of the work tree (others may
be running tox in the real one); the first run creates the environments and
is reported apart."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from stack_testing import ROOT, run_command

from bench.project import log, timed


def work_tree_copy(into: Path) -> Path:
    """The files git tracks, and the untracked ones it does not ignore."""
    files = run_command(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"])
    for relative in filter(None, files.split("\0")):
        source = ROOT / relative
        if source.is_file():
            (into / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / relative)
    return into


def measure(runs: int, folder: Path) -> dict[str, Any]:
    copy = work_tree_copy(folder / "worktree")
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
