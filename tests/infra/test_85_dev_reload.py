"""`just dev`'s hot reload: `docker compose watch` copies a source edit into the
running API and worker and restarts them, with no image build."""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import httpx
from harness import ROOT, Stack, run_task, start_times, wait_until
from python_on_whales import Container, DockerException

APP_SERVICES = ("backend", "celery_worker")


@contextmanager
def compose_watch(stack: Stack) -> Iterator[list[str]]:
    """`docker compose watch` on the running stack, in the background; yields its
    output lines as they come, and stops it (Ctrl-C) on exit."""
    # python-on-whales has no `watch`: the driver gives the command line.
    # --no-up: the stack is already up; --prune=false: never touch images.
    command = stack.command("watch", "--no-up", "--prune=false", *APP_SERVICES)
    watch = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []

    def read_output() -> None:
        assert watch.stdout is not None
        for line in watch.stdout:
            lines.put(line.rstrip())

    threading.Thread(target=read_output, daemon=True).start()

    def enabled() -> bool:
        while not lines.empty():
            output.append(lines.get())
        assert watch.poll() is None, f"compose watch exited {watch.returncode}:\n{output}"
        return any("Watch enabled" in line for line in output)

    try:
        wait_until(enabled, timeout=30, interval=0.5, describe="compose watch enabled")
        yield output
    finally:
        watch.send_signal(signal.SIGINT)
        try:
            watch.wait(timeout=15)
        except subprocess.TimeoutExpired:
            watch.kill()
            watch.wait()
        while not lines.empty():
            output.append(lines.get())


def file_in_container(container: Container, path: str) -> bool:
    try:
        container.execute(["test", "-f", path])
    except DockerException:
        return False
    return True


def restarted_and_healthy(container: Container, started_before: datetime) -> bool:
    state = container.state
    healthy = state.health is not None and state.health.status == "healthy"
    return state.started_at != started_before and healthy


def api_answers(stack: Stack) -> bool:
    try:
        return httpx.get(stack.api + "/health/live", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_new_source_file_reaches_the_running_api_and_worker(stack: Stack) -> None:
    name = f"_watch_probe_{uuid.uuid4().hex[:12]}.py"
    probe = ROOT / "backend" / "src" / "stack_backend" / name
    in_container = f"/app/src/stack_backend/{name}"
    before = start_times(stack, *APP_SERVICES)
    backend, worker = (stack.containers(service)[0] for service in APP_SERVICES)
    seen: dict[str, float] = {}
    # What must follow the edit, and within how many seconds. The worker takes
    # longer: Celery's warm shutdown, start-up and first healthcheck.
    expected: dict[str, tuple[float, Callable[[], bool]]] = {
        "backend synced": (15, lambda: file_in_container(backend, in_container)),
        "celery_worker synced": (15, lambda: file_in_container(worker, in_container)),
        "backend restarted and healthy": (
            15,
            lambda: restarted_and_healthy(backend, before["backend"]),
        ),
        "API answers": (15, lambda: "backend restarted and healthy" in seen and api_answers(stack)),
        "celery_worker restarted and healthy": (
            30,
            lambda: restarted_and_healthy(worker, before["celery_worker"]),
        ),
    }
    try:
        with compose_watch(stack) as output:
            edited = time.monotonic()
            probe.write_text('"""A throwaway file of tests/infra/test_85_dev_reload.py."""\n')
            pending = dict(expected)

            def settled() -> bool:
                """Each event seen, or past its limit."""
                for event, (limit, happened) in list(pending.items()):
                    now = time.monotonic() - edited
                    done = happened()
                    if done:
                        seen[event] = now
                    if done or now > limit:
                        del pending[event]
                return not pending

            slowest = max(limit for limit, _ in expected.values())
            wait_until(settled, timeout=slowest + 15, interval=0.2, describe="the edit settled")
    finally:
        # Watch is stopped first: deleting a file cannot be synced (the image's
        # sources are root-owned; watch deletes as the service's user).
        probe.unlink(missing_ok=True)

    log = "\n".join(output)
    missed = [
        f"{event} (within {expected[event][0]:.0f}s)" for event in expected if event not in seen
    ]
    assert not missed, f"after the edit of {probe.name}, no: {', '.join(missed)}; watch:\n{log}"
    assert run_task(stack, "/tasks/ping") == "pong"
    seen["the worker ran a task"] = time.monotonic() - edited
    print(
        "\ncompose watch, seconds after the edit: "
        + ", ".join(f"{event} {at:.1f}" for event, at in sorted(seen.items(), key=lambda e: e[1]))
    )
