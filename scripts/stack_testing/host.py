"""What the stack's drivers take from the host: commands run, free ports,
the CA bundle for image builds."""

from __future__ import annotations

import os
import socket
import subprocess
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class CommandFailed(RuntimeError):
    pass


def run_command(
    command: list[str],
    *,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    timeout: float = 900,
) -> str:
    """stdout of a command that must succeed; else CommandFailed, with the end
    of what it printed."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise CommandFailed(
            f"{' '.join(command)} exited {result.returncode}\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


def docker_cli(*args: str, timeout: float = 900) -> str:
    """stdout of a docker command that python-on-whales does not wrap (`image
    history`, `buildx du`), or wraps with more than the command (a timed `build`:
    its wrapper also inspects the builder and then the image)."""
    return run_command(["docker", *args], timeout=timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@cache
def ca_bundle() -> str:
    """The CA bundle handed to image builds: BUILD_CA_BUNDLE, else what
    scripts/ca-bundle finds (/dev/null when the host has none)."""
    found = os.environ.get("BUILD_CA_BUNDLE")
    return found or run_command([str(ROOT / "scripts" / "ca-bundle")]).strip()
