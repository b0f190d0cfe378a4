"""What the infra tests do to their stack, on the Compose driver and the
waiting helper they share with the benchmark (scripts/stack_testing)."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from python_on_whales import Container

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from stack_testing import (
    ROOT,
    ComposeStack,
    Outcome,
    WaitTimeout,
    docker_cli,
    free_port,
    wait_tasks_done,
    wait_until,
)

__all__ = [  # the harness's own names, and the driver's that the tests use
    "LONG_RUNNING",
    "PROJECT",
    "ROOT",
    "Outcome",
    "Stack",
    "WaitTimeout",
    "docker_cli",
    "free_port",
    "held_secrets",
    "occupy_workers",
    "run_task",
    "send_tasks",
    "start_times",
    "task_status",
    "wait_all_healthy",
    "wait_tasks",
    "wait_until",
]

PROJECT = os.environ.get("INFRA_PROJECT", "stack-infra")
LONG_RUNNING = {"db", "redis", "backend", "celery_worker", "frontend"}
PUBLISHER_PROBE = Path(__file__).with_name("publisher_probe.py")
REDIS_LOGINS = {
    "admin": 'export REDISCLI_AUTH="${REDIS_PASSWORD:-$(<"${REDIS_PASSWORD_FILE:-/dev/null}")}"',
    "healthcheck": 'export REDISCLI_AUTH="$(</tmp/healthcheck-password)"',
    "nobody": "unset REDISCLI_AUTH",
}


class Stack(ComposeStack):
    """The infra tests' stack: the driver, plus waiting for the API."""

    def wait_for(self, path: str, status: int = 200, timeout: float = 60) -> httpx.Response:
        return wait_until(
            lambda: httpx.get(self.api + path, timeout=5),
            until=lambda response: response.status_code == status,
            timeout=timeout,
            interval=0.5,
            retry_on=(httpx.HTTPError,),
            describe=f"{path} answering {status}",
            show=lambda response: f"{response.status_code} {response.text}",
        )

    def publish(self, *probe_args: str) -> str:
        """publisher_probe.py in the backend container (as the API publishes)."""
        return self.run_python("backend", PUBLISHER_PROBE, *probe_args)

    def redis_shell(self, script: str, *args: str, user: str = "admin") -> str:
        """A bash script in the redis container, whose `redis-cli` logs in as
        `user`: the operator (`admin`), the healthcheck's, or `nobody` (no login);
        its output, also when it failed."""
        login = REDIS_LOGINS[user]
        if user != "nobody":
            login += f'\nredis-cli() {{ command redis-cli --user {user} "$@"; }}'
        return self.exec("redis", "bash", "-c", f"{login}\n{script}", "-", *args, check=False)

    def registered_tasks(self) -> str:
        """What each worker registered (a control broadcast, as the worker's own
        healthcheck makes, with the worker's Redis user: the API's may not)."""
        return self.run_python("celery_worker", PUBLISHER_PROBE, "registered")


def run_task(stack: Stack, path: str, body: dict[str, Any] | None = None) -> Any:
    accepted = httpx.post(stack.api + path, json=body, timeout=5)
    assert accepted.status_code == 202, accepted.text
    task_id = accepted.json()["task_id"]
    status = wait_until(
        lambda: task_status(stack, task_id),
        until=lambda status: status["state"] in ("SUCCESS", "FAILURE"),
        timeout=30,
        interval=0.1,
        describe=f"task {task_id} finished",
    )
    assert status["state"] == "SUCCESS", status
    return status["result"]


def held_secrets(stack: Stack, service: str) -> set[str]:
    """The env file's secrets (its passwords, and the API token if set) whose
    value the service's container has in its environment, under any name."""
    environment = "\n".join(stack.services()[service].config.env or [])
    return {
        name
        for name, value in stack.settings.items()
        if (name.endswith("_PASSWORD") or name == "API_TOKEN") and value and value in environment
    }


def started_at(container: Container) -> datetime:
    """When a container last started: changes on any restart."""
    started: datetime = container.state.started_at
    return started


def start_times(stack: Stack, *services: str) -> dict[str, datetime]:
    """When each service's (first) container last started."""
    return {service: started_at(stack.containers(service)[0]) for service in services}


def wait_all_healthy(stack: Stack, timeout: float = 120) -> float:
    """Seconds until every long-running service reports healthy (no `up` involved)."""
    return stack.wait_healthy(LONG_RUNNING, timeout)


def send_tasks(
    stack: Stack, name: str, args: list[Any], count: int, *, task_id: str | None = None
) -> list[str]:
    """Publish tasks by name from inside the backend container, with the
    publisher of the worker's contract, as the API does."""
    given_id = ["--task-id", task_id] if task_id else []
    return stack.publish("send", name, json.dumps(args), str(count), *given_id).split()


def occupy_workers(
    stack: Stack, sleep: float, processes: int, pings: int
) -> tuple[list[str], list[str]]:
    """`processes` long tasks running (STARTED, by Celery's state in Redis: the
    API says PENDING until the outcome) and `pings` queued behind them; their ids."""
    sleeps, _, queued = stack.publish("occupy", str(sleep), str(processes), str(pings)).partition(
        " | "
    )
    return sleeps.split(), queued.split()


def task_status(stack: Stack, task_id: str) -> dict[str, Any]:
    status: dict[str, Any] = httpx.get(f"{stack.api}/tasks/{task_id}", timeout=5).json()
    return status


def wait_tasks(stack: Stack, task_ids: list[str], timeout: float = 60) -> list[dict[str, Any]]:
    """Poll until every task succeeded; returns their final statuses."""
    return wait_tasks_done(
        lambda task_id: task_status(stack, task_id), task_ids, timeout=timeout, interval=0.2
    )
