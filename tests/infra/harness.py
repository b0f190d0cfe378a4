"""Driving the infra tests' own Compose stack from the tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PROJECT = os.environ.get("INFRA_PROJECT", "stack-infra")
LONG_RUNNING = {"db", "redis", "backend", "celery_worker", "frontend"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    env_file: Path
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.settings['API_HOST_PORT']}"

    @property
    def frontend(self) -> str:
        return f"http://127.0.0.1:{self.settings['FRONTEND_HOST_PORT']}"

    def write_env(self, **changes: str) -> None:
        self.settings.update(changes)
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in self.settings.items()))

    def compose(self, *args: str, check: bool = True, timeout: float = 600) -> str:
        env = {**os.environ, "ENV_FILE": str(self.env_file), "STACK_IMAGE_TAG": "infra"}
        env["BUILD_CA_BUNDLE"] = (
            env.get("BUILD_CA_BUNDLE")
            or subprocess.check_output([ROOT / "scripts" / "ca-bundle"], text=True).strip()
        )
        command = ["docker", "compose", "-p", PROJECT, "--env-file", str(self.env_file), *args]
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
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
    settings = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


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
