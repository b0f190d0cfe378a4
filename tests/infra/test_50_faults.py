"""Faults of a normal day: a dependency restarted or down, a worker crashed,
several workers, every service restarted in turn. The stack must recover
without a hand on it."""

from __future__ import annotations

import os
import signal
import time

import httpx
from harness import (
    LONG_RUNNING,
    Stack,
    occupy_workers,
    run_task,
    send_tasks,
    start_times,
    task_status,
    wait_all_healthy,
    wait_tasks,
)


def test_a_task_accepted_during_a_redis_outage_runs_once_redis_is_back(stack: Stack) -> None:
    before = start_times(stack, "backend", "celery_worker")
    stack.compose.stop("redis")
    outage = time.monotonic()
    down = stack.wait_for("/health", status=503, timeout=30).json()
    assert down["components"]["redis"]["status"] == "down"
    # The task is recorded in Postgres: accepted at once, without hanging the API.
    started = time.monotonic()
    accepted = httpx.post(stack.api + "/tasks/ping", timeout=10)
    assert accepted.status_code == 202, accepted.text
    assert time.monotonic() - started < 5
    task_id = accepted.json()["task_id"]
    assert task_status(stack, task_id)["state"] == "PENDING"

    stack.compose.start("redis")
    stack.wait_for("/health", status=200, timeout=60)
    # The API's sweeper publishes it again (TASK_REPUBLISH_AFTER_SECONDS in conftest).
    (status,) = wait_tasks(stack, [task_id], timeout=60)
    assert status["result"] == "pong"
    print(f"\nredis: stopped to the accepted task done in {time.monotonic() - outage:.1f}s")
    assert run_task(stack, "/tasks/ping") == "pong"
    assert start_times(stack, "backend", "celery_worker") == before


def test_postgres_outage_is_503_then_api_and_worker_recover_without_restarts(
    stack: Stack,
) -> None:
    before = start_times(stack, "backend", "celery_worker")
    stack.compose.stop("db")
    outage = time.monotonic()
    down = stack.wait_for("/health", status=503, timeout=30).json()
    assert down["components"]["database"]["status"] == "down"

    stack.compose.start("db")
    stack.wait_for("/health", status=200, timeout=60)
    result = run_task(stack, "/tasks/nearest", {"content": "after-outage", "embedding": [1, 1, 1]})
    assert result["stored_id"] > 0
    print(f"\npostgres: stopped to task done again in {time.monotonic() - outage:.1f}s")
    assert start_times(stack, "backend", "celery_worker") == before


def test_worker_killed_mid_task_is_restarted_and_no_task_is_lost(stack: Stack) -> None:
    worker = stack.containers("celery_worker")[0]
    restarts = worker.restart_count
    # Two long tasks occupy both worker processes; ten pings wait behind them.
    long_tasks, pings = occupy_workers(stack, sleep=6, processes=2, pings=10)

    os.kill(worker.state.pid, signal.SIGKILL)  # a crash, not a stop
    crashed = time.monotonic()

    statuses = wait_tasks(stack, long_tasks + pings, timeout=90)
    print(f"\nworker crash: all 12 tasks done {time.monotonic() - crashed:.1f}s after the kill")
    assert [s["result"] for s in statuses[:2]] == [6, 6]
    assert all(s["result"] == "pong" for s in statuses[2:])
    assert worker.restart_count == restarts + 1
    wait_all_healthy(stack)


def test_scale_out_spreads_tasks_and_each_worker_checks_itself(stack: Stack) -> None:
    try:
        stack.up(scales={"celery_worker": 3})
        containers = stack.containers("celery_worker")
        assert len(containers) == 3
        # One 6 s task per worker process (2 each, and a worker reserves no more
        # than it runs): any two workers hold four, so the last two start at once
        # only on the third. With short tasks, two workers could finish the lot
        # before a third one slow to start under load took any.
        statuses = wait_tasks(stack, send_tasks(stack, "stack.sleep", [6], 6), timeout=90)
        workers = {s["worker"] for s in statuses}
        assert len(workers) == 3, f"tasks ran on {workers}"

        answers = {
            stack.exec("celery_worker", "python", "-m", "stack_worker.healthcheck", index=i).strip()
            for i in (1, 2, 3)
        }
        assert answers == {f"worker-healthcheck: {w} ok" for w in workers}
        # No other worker answers for a node that does not exist.
        absent = stack.exec(
            "celery_worker",
            "python",
            "-m",
            "stack_worker.healthcheck",
            "--node",
            "celery@absent",
            check=False,
        )
        assert "ok" not in absent
        assert stack.wait_for("/health").json()["components"]["worker"]["detail"] == "3 alive"
    finally:
        stack.up(scales={"celery_worker": 1})


def test_any_single_service_restarted_comes_back_healthy_by_itself(stack: Stack) -> None:
    for service in sorted(LONG_RUNNING):
        stack.compose.restart(service)
        seconds = wait_all_healthy(stack)
        print(f"\nrestart {service}: all healthy again {seconds:.1f}s later")
    stack.wait_for("/health", status=200, timeout=60)
    assert run_task(stack, "/tasks/ping") == "pong"
