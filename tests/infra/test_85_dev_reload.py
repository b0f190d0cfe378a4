"""`just dev`: the stack in development mode (compose.dev.yaml) under `docker
compose watch`. An edit reloads the API and the worker inside their container,
a deletion is synced, a new migration is applied, a reload loses no running
task; and `just debug` lets a debugger attach. The module switches the infra
stack to development mode and back to the production images at its end."""

from __future__ import annotations

import queue
import signal
import statistics
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from debug_adapter import attached
from harness import ROOT, Stack, free_port, run_task, send_tasks, wait_tasks, wait_until
from python_on_whales import DockerException

DEV_FILES = ("compose.yaml", "compose.dev.yaml")
DEBUG_FILES = (*DEV_FILES, "compose.debug.yaml")
APP_SERVICES = ("backend", "celery_worker")
EDITS = 5
# Targets (docs/dev/running.md): from the save until the new code answers.
API_RELOAD_TARGET_SECONDS = 1.5
WORKER_RELOAD_TARGET_SECONDS = 3.0

HEALTH_ROUTES = ROOT / "backend/src/stack_backend/routes/health.py"
TASKS = ROOT / "worker/src/stack_worker/tasks.py"
LIVE_ANSWER = '{"status": "alive"}'
PING_ANSWER = 'return "pong"'


@pytest.fixture(scope="module")
def dev(stack: Stack) -> Iterator[Stack]:
    dev = stack.with_files(*DEV_FILES)
    dev.up(build=True, wait_timeout=240)
    try:
        yield dev
    finally:
        # Back to the production image and commands, for the tests after these.
        stack.up(wait_timeout=240)


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


@contextmanager
def edited(path: Path, old: str) -> Iterator[Callable[[str], float]]:
    """Replaces `old` in a source file by what each call gives (returning the
    time of the save), and puts the file back as it was at the end."""
    original = path.read_text()
    assert old in original, f"{old!r} is no longer in {path}: update this test"

    def save(new: str) -> float:
        path.write_text(original.replace(old, new))
        return time.monotonic()

    try:
        yield save
    finally:
        path.write_text(original)


def live_status(stack: Stack) -> str | None:
    try:
        status: str = httpx.get(stack.api + "/health/live", timeout=1).json()["status"]
    except (httpx.HTTPError, ValueError, KeyError):
        return None
    return status


def ping_result(stack: Stack) -> str | None:
    """A new ping task's result, if it comes back within 2 s."""
    try:
        accepted = httpx.post(stack.api + "/tasks/ping", timeout=1)
        task_id = accepted.json()["task_id"]
        until = time.monotonic() + 2
        while time.monotonic() < until:
            status = httpx.get(f"{stack.api}/tasks/{task_id}", timeout=1).json()
            if status["state"] == "SUCCESS":
                result: str = status["result"]
                return result
            time.sleep(0.05)
    except (httpx.HTTPError, ValueError, KeyError):
        pass
    return None


def reload_times(save: Callable[[str], float], answers: Callable[[], str | None]) -> list[float]:
    """Seconds from each of EDITS saves until the new code answers."""
    seconds = []
    for edit in range(EDITS):
        marker = f"reloaded-{edit}-{uuid.uuid4().hex[:8]}"
        saved = save(marker)
        wait_until(
            answers,
            until=lambda answer, marker=marker: answer == marker,
            timeout=30,
            interval=0.05,
            describe=f"the new code answers {marker}",
        )
        seconds.append(time.monotonic() - saved)
        time.sleep(0.5)  # let the reloader settle, as between two real saves
    return seconds


@dataclass(frozen=True)
class ReloadTarget:
    """A source file, an edit to it, and how to ask the stack for the answer
    that edit changes."""

    name: str
    path: Path
    old: str
    edit: Callable[[str], str]  # the code that answers a marker instead
    answer: Callable[[Stack], str | None]
    original_answer: str
    target_seconds: float


RELOAD_TARGETS = [
    ReloadTarget(
        "API",
        HEALTH_ROUTES,
        LIVE_ANSWER,
        lambda marker: f'{{"status": "{marker}"}}',
        live_status,
        "alive",
        API_RELOAD_TARGET_SECONDS,
    ),
    ReloadTarget(
        "worker",
        TASKS,
        PING_ANSWER,
        lambda marker: f'return "{marker}"',
        ping_result,
        "pong",
        WORKER_RELOAD_TARGET_SECONDS,
    ),
]


@pytest.mark.parametrize("target", RELOAD_TARGETS, ids=lambda target: target.name)
def test_an_edit_answers_within_the_target(dev: Stack, target: ReloadTarget) -> None:
    with compose_watch(dev):
        with edited(target.path, target.old) as save:
            seconds = reload_times(
                lambda marker: save(target.edit(marker)), lambda: target.answer(dev)
            )
        # The file put back is synced and reloaded too, before watch stops.
        wait_until(
            lambda: target.answer(dev),
            until=lambda answer: answer == target.original_answer,
            timeout=30,
            interval=0.1,
            describe=f"the {target.name} back to its code",
        )
    median = statistics.median(seconds)
    print(
        f"\n{target.name} reload, save to new answer: "
        f"{', '.join(f'{s:.2f}' for s in seconds)} s; median {median:.2f} s"
    )
    assert median <= target.target_seconds, seconds


def test_a_reload_lets_the_running_task_finish(dev: Stack) -> None:
    """The old worker stops warm: the task it runs when the edit lands succeeds."""
    [running] = send_tasks(dev, "stack.sleep", [4], 1)
    wait_until(
        lambda: httpx.get(f"{dev.api}/tasks/{running}", timeout=5).json()["state"],
        until=lambda state: state == "STARTED",
        timeout=20,
        interval=0.1,
        describe="the sleep task running",
    )
    with compose_watch(dev):
        with edited(TASKS, PING_ANSWER) as save:
            marker = f"reloaded-{uuid.uuid4().hex[:8]}"
            save(f'return "{marker}"')
            wait_until(
                lambda: ping_result(dev),
                until=lambda result: result == marker,
                timeout=30,
                interval=0.1,
                describe="the new worker answers",
            )
            [status] = wait_tasks(dev, [running], timeout=30)
        wait_until(
            lambda: ping_result(dev),
            until=lambda result: result == "pong",
            timeout=30,
            interval=0.1,
            describe="the worker back to its code",
        )
    assert status["state"] == "SUCCESS"


def file_in(stack: Stack, service: str, path: str) -> bool:
    try:
        stack.exec(service, "test", "-f", path)
    except DockerException:
        return False
    return True


def test_a_deleted_source_file_is_deleted_in_the_containers(dev: Stack) -> None:
    name = f"_watch_probe_{uuid.uuid4().hex[:12]}.py"
    probe = ROOT / "db/src/stack_db" / name
    in_container = f"/app/dev-src/stack_db/{name}"
    try:
        with compose_watch(dev):
            probe.write_text('"""A throwaway file of tests/infra/test_85_dev_reload.py."""\n')
            for service in APP_SERVICES:
                wait_until(
                    lambda s=service: file_in(dev, s, in_container),
                    timeout=15,
                    interval=0.2,
                    describe=f"{name} synced into {service}",
                )
            probe.unlink()
            for service in APP_SERVICES:
                wait_until(
                    lambda s=service: not file_in(dev, s, in_container),
                    timeout=15,
                    interval=0.2,
                    describe=f"{name} deleted in {service}",
                )
    finally:
        probe.unlink(missing_ok=True)
    # Both reloaded for the new file and for its deletion: wait for the API.
    wait_until(
        lambda: live_status(dev),
        until=lambda status: status == "alive",
        timeout=30,
        interval=0.1,
        describe="the API answering",
    )
    assert run_task(dev, "/tasks/ping") == "pong"


def test_the_debugger_attaches_to_the_api_and_the_worker(dev: Stack) -> None:
    debug = dev.with_files(*DEBUG_FILES)
    debug.write_env(DEBUG_API_HOST_PORT=str(free_port()), DEBUG_WORKER_HOST_PORT=str(free_port()))
    debug.up(wait_timeout=240)
    try:
        live_line = HEALTH_ROUTES.read_text().splitlines().index(f"    return {LIVE_ANSWER}") + 1
        with attached(int(debug.settings["DEBUG_API_HOST_PORT"])) as api:
            api.break_at("/app/dev-src/stack_backend/routes/health.py", live_line)
            request = threading.Thread(target=live_status, args=(debug,))
            request.start()
            assert api.stopped_at() == ("/app/dev-src/stack_backend/routes/health.py", live_line)
            request.join()
        ping_line = TASKS.read_text().splitlines().index(f"    {PING_ANSWER}") + 1
        with attached(int(debug.settings["DEBUG_WORKER_HOST_PORT"])) as worker:
            worker.break_at("/app/dev-src/stack_worker/tasks.py", ping_line)
            [task] = send_tasks(debug, "stack.ping", [], 1)
            assert worker.stopped_at() == ("/app/dev-src/stack_worker/tasks.py", ping_line)
            [status] = wait_tasks(debug, [task], timeout=30)
        assert status["result"] == "pong"
    finally:
        dev.up(wait_timeout=240)
