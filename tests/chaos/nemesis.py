"""The nemesis: seeded random faults, one at a time, each logged with its
times. A kill is a SIGKILL of the process's host PID (as a crash or the
kernel's OOM killer would do), not `docker kill`, which Docker counts as a
deliberate stop and so does not restart the container."""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from history import Fault, History
from python_on_whales import Container, docker
from stack_testing import ComposeStack, WaitTimeout, wait_until

LONG_RUNNING = ("db", "redis", "backend", "celery_worker")

# kind: (service, what is done). Every kind appears in every run.
KINDS: dict[str, tuple[str, str]] = {
    "kill-redis": ("redis", "kill"),
    "kill-worker": ("celery_worker", "kill"),
    "kill-worker-child": ("celery_worker", "kill-child"),
    "kill-api": ("backend", "kill"),
    "kill-db": ("db", "kill"),
    "pause-redis": ("redis", "pause"),
    "pause-worker": ("celery_worker", "pause"),
    "pause-db": ("db", "pause"),
    "disconnect-redis": ("redis", "disconnect"),
    "disconnect-worker": ("celery_worker", "disconnect"),
    "restart-db": ("db", "restart"),
}


@dataclass(frozen=True)
class PlannedFault:
    kind: str
    hold_seconds: float  # how long a pause or a disconnection lasts


def plan(seed: int, count: int) -> list[PlannedFault]:
    """`count` faults (at least one of each kind), in an order and with
    durations drawn from `seed` alone: the same seed gives the same plan."""
    if count < len(KINDS):
        raise ValueError(f"CHAOS_FAULTS must be at least {len(KINDS)} to cover every kind")
    rng = random.Random(seed)
    kinds = list(KINDS) * (count // len(KINDS))
    kinds += rng.sample(list(KINDS), count - len(kinds))
    rng.shuffle(kinds)
    return [PlannedFault(kind, round(rng.uniform(1.0, 6.0), 1)) for kind in kinds]


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


class Nemesis:
    def __init__(self, stack: ComposeStack, history: History, seed: int) -> None:
        self.stack = stack
        self.history = history
        self.rng = random.Random(seed ^ 0x5EED)  # which child: part of the replay too
        self.network = f"{stack.project}_stack"

    def container(self, service: str) -> Container:
        (found,) = self.stack.containers(service)
        return docker.container.inspect(found.id)  # fresh: its PID changes on restart

    def run(self, fault: PlannedFault) -> Fault:
        service, action = KINDS[fault.kind]
        container = self.container(service)
        record = Fault(fault.kind, service, started_at=time.time())
        actions: dict[str, Callable[[Container, PlannedFault, Fault], None]] = {
            "kill": self._kill,
            "kill-child": self._kill_child,
            "pause": self._pause,
            "disconnect": self._disconnect,
            "restart": self._restart,
        }
        try:
            actions[action](container, fault, record)
        finally:
            record.healed_at = time.time()
            self.history.add_fault(record)
        record.recovered_at = self.wait_recovered()
        return record

    def _kill(self, container: Container, fault: PlannedFault, record: Fault) -> None:
        pid = container.state.pid  # read once: the object re-reads `docker inspect`
        os.kill(pid, signal.SIGKILL)
        record.detail = f"SIGKILL host pid {pid}"
        # Until Docker has seen the exit, the container still looks healthy.
        wait_until(
            lambda: docker.container.inspect(container.id).state.pid not in (pid, 0),
            timeout=30,
            interval=0.2,
            describe=f"{record.target} restarted after the kill",
        )

    def _kill_child(self, container: Container, fault: PlannedFault, record: Fault) -> None:
        parent = container.state.pid
        children = _children(parent)
        if not children:
            record.applied, record.detail = False, "the worker had no child process"
            return
        child = self.rng.choice(children)
        os.kill(child, signal.SIGKILL)
        record.detail = f"SIGKILL host pid {child} (a child of {parent})"

    def _pause(self, container: Container, fault: PlannedFault, record: Fault) -> None:
        docker.container.pause(container)
        try:
            time.sleep(fault.hold_seconds)
        finally:
            docker.container.unpause(container)
        record.detail = f"paused {fault.hold_seconds}s"

    def _disconnect(self, container: Container, fault: PlannedFault, record: Fault) -> None:
        docker.network.disconnect(self.network, container, force=True)
        try:
            time.sleep(fault.hold_seconds)
        finally:
            # Back with the service's name, as Compose attached it.
            docker.network.connect(self.network, container, alias=record.target)
        record.detail = f"disconnected {fault.hold_seconds}s"

    def _restart(self, container: Container, fault: PlannedFault, record: Fault) -> None:
        docker.container.restart(container)
        record.detail = "docker restart"

    def wait_recovered(self, timeout: float = 60) -> float | None:
        """When the stack serves again: every long-running container running
        (not paused, not restarting) and the API's /health answering 200
        (Postgres and Redis reachable). Container healthchecks are not waited
        for: the worker's runs every 30 s and would pace the run, not the faults.
        None: not within `timeout`; the run goes on, and the drain waits again."""

        def serving() -> bool:
            states = {name: c.state for name, c in self.stack.services().items()}
            if not all(states[name].status == "running" for name in LONG_RUNNING if name in states):
                return False
            return httpx.get(self.stack.api + "/health", timeout=5).status_code == 200

        try:
            wait_until(
                serving,
                timeout=timeout,
                interval=0.5,
                retry_on=(httpx.HTTPError,),
                describe="every service running and /health 200",
            )
        except WaitTimeout:
            return None
        return time.time()
