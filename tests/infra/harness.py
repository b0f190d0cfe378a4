"""Driving the infra tests' own Compose stack from the tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parents[2]
PROJECT = os.environ.get("INFRA_PROJECT", "stack-infra")
LONG_RUNNING = {"db", "redis", "backend", "celery_worker", "frontend"}
# Python run inside the backend container: `app` is the API's own kind of
# publisher (stack_worker.contract), built from the container's settings.
PUBLISHER = (
    "from stack_worker.contract import BrokerSettings, create_publisher\n"
    "app = create_publisher(BrokerSettings())\n"
)


@cache
def host_ca_bundle() -> str:
    """The CA bundle for image builds, found once per test session."""
    return subprocess.check_output([ROOT / "scripts" / "ca-bundle"], text=True).strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    env_file: Path
    settings: dict[str, str] = field(default_factory=dict)
    project: str = PROJECT

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.settings['API_HOST_PORT']}"

    @property
    def frontend(self) -> str:
        return f"http://127.0.0.1:{self.settings['FRONTEND_HOST_PORT']}"

    def write_env(self, **changes: str) -> None:
        self.settings.update(changes)
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in self.settings.items()))

    def compose_env(self) -> dict[str, str]:
        env = {**os.environ, "ENV_FILE": str(self.env_file), "STACK_IMAGE_TAG": self.project}
        env["BUILD_CA_BUNDLE"] = env.get("BUILD_CA_BUNDLE") or host_ca_bundle()
        return env

    def run_compose(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """`docker compose` on this stack; the caller judges the outcome."""
        command = ["docker", "compose", "-p", self.project, "--env-file", str(self.env_file), *args]
        return subprocess.run(
            command,
            cwd=ROOT,
            env=self.compose_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def compose(self, *args: str, check: bool = True, timeout: float = 600) -> str:
        result = self.run_compose(*args, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(result.args)} exited {result.returncode}\n{result.stdout}\n"
                f"{result.stderr}"
            )
        return result.stdout

    def up(self, *args: str) -> None:
        self.compose("up", "--wait", "--wait-timeout", "180", *args)

    def services(self) -> dict[str, dict[str, Any]]:
        lines = self.compose("ps", "--all", "--format", "json").splitlines()
        return {entry["Service"]: entry for entry in map(json.loads, filter(None, lines))}

    def exec(self, service: str, *command: str) -> str:
        return self.compose("exec", "-T", service, *command)

    def psql(self, sql: str) -> str:
        return self.exec(
            "db",
            "bash",
            "-c",
            'exec psql -d "$POSTGRES_DB" -tAq -v ON_ERROR_STOP=1 -c "$1"',
            "-",
            sql,
        ).strip()

    def wait_for(self, path: str, status: int = 200, timeout: float = 60) -> httpx.Response:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(self.api + path, timeout=5)
                if response.status_code == status:
                    return response
                last = f"{response.status_code} {response.text}"
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.5)
        raise AssertionError(f"{path} did not answer {status} in {timeout}s; last: {last}")


def read_env_example() -> dict[str, str]:
    """The variables of .env.example, as Compose reads them."""
    values = dotenv_values(ROOT / ".env.example")
    return {key: value for key, value in values.items() if value is not None}


def run_task(stack: Stack, path: str, body: dict[str, Any] | None = None) -> Any:
    accepted = httpx.post(stack.api + path, json=body, timeout=5)
    assert accepted.status_code == 202, accepted.text
    task_id = accepted.json()["task_id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = httpx.get(f"{stack.api}/tasks/{task_id}", timeout=5).json()
        if status["state"] in ("SUCCESS", "FAILURE"):
            assert status["state"] == "SUCCESS", status
            return status["result"]
        time.sleep(0.1)
    raise AssertionError(f"task {task_id} did not finish in 30s")


def container_ids(stack: Stack, service: str) -> list[str]:
    return stack.compose("ps", "--quiet", service).split()


def inspect(container: str) -> dict[str, Any]:
    output = subprocess.run(
        ["docker", "inspect", container], capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, Any] = json.loads(output)[0]
    return result


def start_times(stack: Stack, *services: str) -> dict[str, str]:
    """When each service's (first) container last started: changes on any restart."""
    return {s: inspect(container_ids(stack, s)[0])["State"]["StartedAt"] for s in services}


def wait_all_healthy(stack: Stack, timeout: float = 120) -> float:
    """Seconds until every long-running service reports healthy (no `up` involved)."""
    started = time.monotonic()
    deadline = started + timeout
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        states = {name: s.get("Health") or s["State"] for name, s in stack.services().items()}
        if all(states.get(name) == "healthy" for name in LONG_RUNNING):
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"not all healthy after {timeout}s: {states}")


def send_tasks(stack: Stack, name: str, args: list[Any], count: int) -> list[str]:
    """Publish tasks by name from inside the backend container, with the
    publisher of the worker's contract, as the API does."""
    script = (
        PUBLISHER + "import json, sys\n"
        "name, args, count = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])\n"
        "print(' '.join(app.send_task(name, args=args).id for _ in range(count)))\n"
    )
    output = stack.exec("backend", "python", "-c", script, name, json.dumps(args), str(count))
    return output.split()


def task_status(stack: Stack, task_id: str) -> dict[str, Any]:
    status: dict[str, Any] = httpx.get(f"{stack.api}/tasks/{task_id}", timeout=5).json()
    return status


def wait_tasks(stack: Stack, task_ids: list[str], timeout: float = 60) -> list[dict[str, Any]]:
    """Poll until every task succeeded; returns their final statuses."""
    deadline = time.monotonic() + timeout
    pending = list(task_ids)
    done: dict[str, dict[str, Any]] = {}
    while pending and time.monotonic() < deadline:
        for task_id in list(pending):
            status = task_status(stack, task_id)
            assert status["state"] != "FAILURE", status
            if status["state"] == "SUCCESS":
                done[task_id] = status
                pending.remove(task_id)
        time.sleep(0.2)
    assert not pending, f"{len(pending)} of {len(task_ids)} tasks not done in {timeout}s"
    return [done[task_id] for task_id in task_ids]
