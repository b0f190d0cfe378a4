"""`just up`'s feedback while it waits: runs `docker compose ARGS` (the recipe
passes `up --build --wait ...`) and, while it runs, prints each service's
progress as it happens: "healthy after 3.1 s", "done after 1.2 s". A service
that fails (exits with an error, turns unhealthy, restarts) is reported at
once with its last log lines and its healthcheck's last output, without
waiting for the whole `up` to give up; when `up` fails, so is every service
that is not healthy by then. Exits with the command's status.

Standard library only: it runs on the host's python3, before anything else.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

POLL_SECONDS = 0.5
LOG_LINES = 20


@dataclass(frozen=True)
class Container:
    service: str
    id: str
    state: str  # created, running, restarting, exited, ...
    health: str  # healthy, unhealthy, starting, or "" (none, or not known yet)
    exit_code: int

    @property
    def outcome(self) -> str | None:
        """What to report of it, once it is settled; None while it is on its way."""
        if self.state == "restarting" or self.health == "unhealthy":
            return "failed"
        if self.state in ("exited", "dead"):
            return "done" if self.exit_code == 0 else "failed"
        if self.state == "running" and self.health == "healthy":
            return "healthy"
        # Running without a healthcheck says nothing yet (every long-running
        # service of the stack has one).
        return None


def parse_ps(output: str) -> list[Container]:
    """`docker compose ps --all --format json`: one object per line (an array
    in some Compose versions)."""
    text = output.strip()
    if not text:
        return []
    rows: list[dict[str, Any]]
    if text.startswith("["):
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [
        Container(
            service=row.get("Service", ""),
            id=row.get("ID", ""),
            state=row.get("State", ""),
            health=row.get("Health", ""),
            exit_code=int(row.get("ExitCode") or 0),
        )
        for row in rows
    ]


def containers() -> list[Container]:
    listed = subprocess.run(
        ["docker", "compose", "ps", "--all", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    return parse_ps(listed.stdout) if listed.returncode == 0 else []


def describe(container: Container, seconds: float) -> str:
    outcome = container.outcome
    if outcome == "failed":
        if container.state == "restarting":
            what = "is restarting (it keeps exiting)"
        elif container.health == "unhealthy":
            what = "is unhealthy"
        else:
            what = f"exited with code {container.exit_code}"
        return f"==> {container.service} {what} after {seconds:.1f} s"
    return f"==> {container.service} {outcome} after {seconds:.1f} s"


def diagnosis(container: Container) -> str:
    """Its last log lines, and its healthcheck's last output when it has one."""
    logs = subprocess.run(
        ["docker", "logs", "--tail", str(LOG_LINES), container.id],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [f"    its last log lines (just logs {container.service}):"]
    lines += [f"      {line}" for line in (logs.stdout + logs.stderr).splitlines()]
    health = subprocess.run(
        ["docker", "inspect", "--format", "{{json .State.Health}}", container.id],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        probes = (json.loads(health.stdout) or {}).get("Log") or []
    except json.JSONDecodeError:
        probes = []
    if probes:
        last = probes[-1]
        lines.append(f"    its healthcheck's last output (exit code {last.get('ExitCode')}):")
        output = (last.get("Output") or "").strip() or "(none)"
        lines += [f"      {line}" for line in output.splitlines()]
    return "\n".join(lines)


class Progress:
    """Reports each container once, when it settles; containers that were
    already settled before the command started are not reported."""

    def __init__(self, before: list[Container]) -> None:
        self.started = time.monotonic()
        self.reported = {(c.id, c.outcome) for c in before if c.outcome is not None}

    def update(self, now: list[Container]) -> list[str]:
        messages = []
        for container in sorted(now, key=lambda c: c.service):
            key = (container.id, container.outcome)
            if container.outcome is None or key in self.reported:
                continue
            self.reported.add(key)
            message = describe(container, time.monotonic() - self.started)
            if container.outcome == "failed":
                message += "\n" + diagnosis(container)
            messages.append(message)
        return messages

    def unsettled(self, now: list[Container]) -> list[str]:
        """When the command failed: every container not healthy or done that
        was not reported yet, with its diagnosis."""
        messages = []
        for container in sorted(now, key=lambda c: c.service):
            settled = container.outcome in ("healthy", "done")
            if settled or (container.id, "failed") in self.reported:
                continue
            self.reported.add((container.id, "failed"))
            health = f", health {container.health}" if container.health else ""
            messages.append(
                f"==> {container.service} is not healthy: {container.state}{health}\n"
                + diagnosis(container)
            )
        return messages


def main(argv: list[str]) -> int:
    progress = Progress(containers())
    command = subprocess.Popen(["docker", "compose", *argv])
    while True:
        finished = command.poll() is not None
        for message in progress.update(containers()):
            print(message, flush=True)
        if finished:
            break
        time.sleep(POLL_SECONDS)
    if command.returncode != 0:
        for message in progress.unsettled(containers()):
            print(message, flush=True)
    return command.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
