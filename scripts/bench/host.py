"""What the report says of the host: its hardware and versions, and the other
containers that shared its cores during the run."""

from __future__ import annotations

import os
import platform
import shutil
from contextlib import suppress
from pathlib import Path
from typing import Any

from python_on_whales import docker
from stack_testing import CommandFailed, docker_cli, run_command


def output_of(*command: str) -> str:
    with suppress(CommandFailed, OSError):
        return run_command(list(command)).strip()
    return ""


def facts() -> dict[str, Any]:
    cpu = "?"
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = 0.0
    with suppress(OSError, IndexError, ValueError):
        memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": round(memory, 1),
        "kernel": platform.release(),
        "os": platform.freedesktop_os_release().get("PRETTY_NAME", "?"),
        "docker_engine": docker.version().server.version,
        "compose": docker_cli("compose", "version", "--short").strip(),
        "buildx": docker.buildx.version(),
        "wrk": shutil.which("wrk") and output_of("sh", "-c", "wrk --version 2>&1 | head -1"),
        "git_commit": output_of("git", "rev-parse", "--short", "HEAD"),
        "git_dirty": bool(output_of("git", "status", "--porcelain")),
    }


def other_containers(project: str) -> list[str]:
    """Running containers that are not this benchmark's: they share the cores."""
    names = (container.name for container in docker.ps())
    return sorted(name for name in names if not name.startswith(f"{project}-"))
