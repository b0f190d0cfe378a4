"""What the cluster tests do to the simulated cluster: send tasks and follow
them through the API (with retries where a node's loss makes the API briefly
unreachable), publish long tasks from inside an API container, and read where
Swarm runs what."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from cluster.deploy import STACK  # noqa: E402 (found through sys.path above)
from cluster.simulation import SECRETS, Cluster  # noqa: E402 (found through sys.path above)
from stack_testing import WaitTimeout, free_port, wait_tasks_done, wait_until  # noqa: E402

__all__ = [
    "SECRETS",
    "STACK",
    "Cluster",
    "HealthPoller",
    "WaitTimeout",
    "api_request",
    "authorization",
    "free_port",
    "node_of",
    "publish",
    "send_pings",
    "task_status",
    "update_state",
    "wait_all_on",
    "wait_tasks",
    "wait_until",
]

PUBLISHER_PROBE = ROOT / "tests" / "infra" / "publisher_probe.py"
# celery@<node>-worker-<slot>: the hostname deploy/swarm/swarm.yaml gives a worker.
WORKER_NAME = re.compile(r"^celery@(?P<node>.+)-worker-\d+$")
# Answers of api-edge while it has no API task to pass a request to, and of the
# API while Redis is unreachable: worth trying again.
RETRY_STATUSES = {502, 503, 504}


def node_of(worker: str | None) -> str | None:
    match = WORKER_NAME.match(worker or "")
    return match["node"] if match else None


def authorization(cluster: Cluster) -> dict[str, str]:
    """The API's token (APP_ENV=production requires one; a Swarm secret)."""
    return {"Authorization": f"Bearer {cluster.passwords['api_token']}"}


def api_request(
    cluster: Cluster, method: str, path: str, *, timeout: float = 60, **kwargs: Any
) -> httpx.Response:
    """A request through api-edge, tried again until it gets an answer other
    than a connection error or 502/503/504."""
    return wait_until(
        lambda: httpx.request(
            method, cluster.api + path, timeout=5, headers=authorization(cluster), **kwargs
        ),
        until=lambda response: response.status_code not in RETRY_STATUSES,
        timeout=timeout,
        interval=0.5,
        retry_on=(httpx.HTTPError,),
        describe=f"{method} {path} answered",
        show=lambda response: f"{response.status_code} {response.text[:200]}",
    )


def send_pings(cluster: Cluster, count: int) -> list[str]:
    """Ping tasks sent through the API; the ids of those it accepted (all)."""
    ids = []
    for _ in range(count):
        accepted = api_request(cluster, "POST", "/tasks/ping")
        assert accepted.status_code == 202, accepted.text
        ids.append(accepted.json()["task_id"])
    return ids


def task_status(cluster: Cluster, task_id: str) -> dict[str, Any]:
    status: dict[str, Any] = api_request(cluster, "GET", f"/tasks/{task_id}").json()
    return status


def wait_tasks(cluster: Cluster, task_ids: list[str], timeout: float) -> list[dict[str, Any]]:
    """Until every task succeeded; their final statuses."""
    return wait_tasks_done(
        lambda task_id: task_status(cluster, task_id), task_ids, timeout=timeout, interval=0.5
    )


def publish(cluster: Cluster, name: str, args: list[Any], count: int) -> list[str]:
    """Tasks the API has no route for (`stack.sleep`), published by name from
    inside a running API container, as the API publishes (the infra tests'
    publisher_probe.py)."""
    for node in cluster.app_nodes:
        try:
            containers = cluster.containers(node, "backend")
        except Exception:  # noqa: S112 (a node that is gone has none)
            continue
        if containers:
            engine = cluster.engine(node)
            # Its source on the command line: the container's root is read-only.
            sent = engine.run(
                "exec",
                containers[0],
                "python",
                "-c",
                PUBLISHER_PROBE.read_text(),
                "send",
                name,
                json.dumps(args),
                str(count),
            )
            return sent.split()
    raise AssertionError("no API container runs on any app node")


def wait_all_on(cluster: Cluster, node: str, timeout: float) -> float:
    """Until every worker and API task runs on `node`, healthy; the seconds it took."""
    started = time.monotonic()
    wait_until(
        lambda: (cluster.running_on("celery_worker"), cluster.running_on("backend")),
        until=lambda placed: placed == ({node: 4}, {node: 2}),
        timeout=timeout,
        interval=0.5,
        describe=f"every worker and API task running on {node}",
    )
    return time.monotonic() - started


def update_state(cluster: Cluster, service: str) -> str | None:
    """UpdateStatus.State of a service: updating, completed, rollback_completed..."""
    status = cluster.manager.run(
        "service", "inspect", f"{STACK}_{service}", "--format", "{{json .UpdateStatus}}"
    )
    parsed = json.loads(status)
    return parsed.get("State") if parsed else None


@dataclass
class HealthPoller:
    """GET /health as fast as it answers, from a thread, with no retry: every
    answer but a 200 and every connection error is a failure."""

    url: str
    answered: int = 0
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def poll(self) -> None:
        with httpx.Client(timeout=5) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    response = client.get(self.url)
                    if response.status_code != 200:
                        self.failures.append(f"{response.status_code} {response.text[:200]}")
                except httpx.HTTPError as error:
                    self.failures.append(repr(error))
                self.answered += 1
                self._stop.wait(max(0.0, 0.05 - (time.monotonic() - started)))

    @contextmanager
    def running(self) -> Iterator[HealthPoller]:
        thread = threading.Thread(target=self.poll, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(timeout=10)
