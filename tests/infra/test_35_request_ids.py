"""One request followed through the logs: the API's and the worker's lines for a
request are found with one grep of its id in `just logs`."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import httpx
from harness import ROOT, Stack, wait_tasks


def just_logs(stack: Stack, seconds: float = 5) -> str:
    """What `just logs` prints in a few seconds (it follows the logs until stopped)."""
    logs = subprocess.Popen(
        [shutil.which("just") or "just", "logs"],
        cwd=ROOT,
        env={**os.environ, **stack.environment()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = logs.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        logs.terminate()
        output, _ = logs.communicate()
    return output


def test_one_grep_of_a_request_id_finds_the_api_and_the_worker_lines(stack: Stack) -> None:
    request_id = uuid.uuid4().hex
    accepted = httpx.post(
        stack.api + "/tasks/ping", headers={"X-Request-ID": request_id}, timeout=5
    )
    assert accepted.status_code == 202
    assert accepted.headers["X-Request-ID"] == request_id
    task_id = accepted.json()["task_id"]
    wait_tasks(stack, [task_id])

    lines = [line for line in just_logs(stack).splitlines() if request_id in line]
    api = [line for line in lines if line.startswith("backend-")]
    worker = [line for line in lines if line.startswith("celery_worker-")]
    assert any("POST /tasks/ping" in line for line in api), lines
    assert any(f"task_id={task_id}" in line for line in worker), lines


def test_an_invalid_request_id_is_replaced(stack: Stack) -> None:
    answer = httpx.get(stack.api + "/health/live", headers={"X-Request-ID": "x; rm -rf"}, timeout=5)
    assert answer.headers["X-Request-ID"] not in ("", "x; rm -rf")
