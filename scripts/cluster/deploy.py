"""Deploy the stack on a Swarm, in two phases, since Swarm has no depends_on:

1. Postgres, Redis and db-init (a job): wait until db-init has completed;
2. the others: wait until every service runs all its replicas, healthy.

Every `docker stack deploy` that names a job runs it again, so phase 2 names
only the services phase 1 did not; neither prunes, so a service taken out of
the stack file is removed by hand (`docker service rm stack_<service>`).

The docker CLI talks to a manager: the current context, or DOCKER_HOST, or
--host. Its secrets must exist first (docs/dev/deploy-swarm.md#secrets).

    python scripts/cluster/deploy.py --env-file prod.env --tag 1.4.2
    python scripts/cluster/deploy.py --env-file prod.env --tag 1.4.2 --no-ipvs \\
        --host unix:///path/to/manager.sock --resolve-image never
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cluster.stack_file import StackFileError, add_stack_options, stack_file_from

# What phase 1 deploys: the data and the schema.
FIRST_PHASE = ("db", "redis", "db-init")
STACK = "stack"
# "2/2", "0/1 (1/1 completed)": running/desired, and for a job completed/total.
REPLICAS = re.compile(r"^(\d+)/(\d+)(?: \((\d+)/(\d+) completed\))?")


class DeployError(Exception):
    pass


@dataclass(frozen=True)
class Swarm:
    """The docker CLI of one manager: `docker [-H HOST] ...`."""

    host: str | None = None

    def command(self, *args: str) -> list[str]:
        return ["docker", *(["-H", self.host] if self.host else []), *args]

    def run(self, *args: str, input: str | None = None, timeout: float = 120) -> str:
        result = subprocess.run(
            self.command(*args),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise DeployError(
                f"docker {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}"
            )
        return result.stdout

    def json_lines(self, *args: str) -> list[dict[str, Any]]:
        """Output of a command run with `--format '{{json .}}'`, a JSON object a line."""
        return [json.loads(line) for line in self.run(*args).splitlines() if line.strip()]

    def replicas(self, stack: str = STACK) -> dict[str, tuple[int, int, int | None]]:
        """Per service of the stack (without the stack's prefix): running,
        desired, and for a job the completed tasks."""
        rows = self.json_lines(
            "service",
            "ls",
            "--filter",
            f"label=com.docker.stack.namespace={stack}",
            "--format",
            "{{json .}}",
        )
        found = {}
        for row in rows:
            match = REPLICAS.match(row["Replicas"])
            if match:
                running, desired, completed, _ = match.groups()
                name = row["Name"].removeprefix(f"{stack}_")
                found[name] = (int(running), int(desired), int(completed) if completed else None)
        return found

    def task_errors(self, service: str) -> str:
        """The last tasks of a service that failed, with their errors and logs."""
        rows = self.json_lines("service", "ps", "--no-trunc", service, "--format", "{{json .}}")
        failed = [r for r in rows if r.get("Error")]
        lines = [f"  {r['Name']} on {r['Node']}: {r['CurrentState']}: {r['Error']}" for r in failed]
        try:
            logs = self.run("service", "logs", "--raw", "--tail", "20", service, timeout=20)
        except (DeployError, subprocess.TimeoutExpired):
            logs = ""
        return "\n".join(lines[:5]) + (f"\nits last log lines:\n{logs}" if logs else "")


def deploy_file(swarm: Swarm, stack: dict[str, Any], name: str, resolve_image: str) -> None:
    """`docker stack deploy` of these services (the stack's others are left as they are)."""
    swarm.run(
        "stack",
        "deploy",
        "--detach=true",
        f"--resolve-image={resolve_image}",
        "--compose-file",
        "-",
        name,
        input=json.dumps(stack),
    )


def phase(stack: dict[str, Any], *, first: bool) -> dict[str, Any]:
    """The stack file with the services of the first phase, or of the second."""
    services = {k: v for k, v in stack["services"].items() if (k in FIRST_PHASE) == first}
    return {**stack, "services": services}


def wait_for(what: str, done: Any, timeout: float, interval: float = 1.0) -> None:
    """Until done() is true; DeployError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise DeployError(f"{what}: not within {timeout:g} s")
        time.sleep(interval)


def wait_job(swarm: Swarm, stack: str, job: str, timeout: float) -> None:
    def completed() -> bool:
        _, desired, done = swarm.replicas(stack).get(job, (0, 1, None))
        return done is not None and done >= desired

    try:
        wait_for(f"{job} completed", completed, timeout)
    except DeployError as error:
        raise DeployError(f"{error}\n{swarm.task_errors(f'{stack}_{job}')}") from None


def wait_converged(swarm: Swarm, stack: str, timeout: float) -> dict[str, tuple[int, int]]:
    """Until every long-running service of the stack runs all its replicas
    (a task with a healthcheck counts once healthy)."""
    last: dict[str, tuple[int, int, int | None]] = {}

    def converged() -> bool:
        nonlocal last
        last = swarm.replicas(stack)
        return all(running == desired for running, desired, job in last.values() if job is None)

    try:
        wait_for("every service running all its replicas", converged, timeout)
    except DeployError as error:
        behind = [k for k, (r, d, job) in last.items() if job is None and r != d]
        details = "\n".join(swarm.task_errors(f"{stack}_{k}") for k in behind)
        raise DeployError(f"{error}; behind: {', '.join(behind)}\n{details}") from None
    return {k: (r, d) for k, (r, d, job) in last.items() if job is None}


def deploy(
    swarm: Swarm,
    stack: dict[str, Any],
    *,
    name: str = STACK,
    resolve_image: str = "always",
    timeout: float = 300,
) -> dict[str, float]:
    """Both phases; the seconds each took."""
    times = {}
    started = time.monotonic()
    deploy_file(swarm, phase(stack, first=True), name, resolve_image)
    wait_job(swarm, name, "db-init", timeout)
    times["data and schema (db, redis, db-init)"] = time.monotonic() - started
    started = time.monotonic()
    deploy_file(swarm, phase(stack, first=False), name, resolve_image)
    wait_converged(swarm, name, timeout)
    times["every service healthy"] = time.monotonic() - started
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_stack_options(parser)
    parser.add_argument("--host", help="a manager's Docker API (default: DOCKER_HOST/context)")
    parser.add_argument("--name", default=STACK, help=f"the stack's name (default: {STACK})")
    parser.add_argument(
        "--resolve-image",
        choices=("always", "changed", "never"),
        default="always",
        help="ask the registry for each image's digest (default); `never` when the "
        "images were loaded onto the nodes",
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds for each phase")
    args = parser.parse_args(argv)
    try:
        stack = stack_file_from(args)
        times = deploy(
            Swarm(args.host),
            stack,
            name=args.name,
            resolve_image=args.resolve_image,
            timeout=args.timeout,
        )
    except (StackFileError, DeployError) as error:
        sys.exit(f"deploy: error: {error}")
    for phase, seconds in times.items():
        print(f"{phase}: {seconds:.1f} s")


if __name__ == "__main__":
    main()
