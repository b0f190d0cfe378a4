"""Waiting for a condition: one helper on tenacity's `Retrying`, instead of a
deadline loop written out at every call site."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import tenacity

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """The condition did not hold in time; `last` is the last result (or the
    exception) that the check gave."""

    def __init__(self, message: str, last: object) -> None:
        super().__init__(message)
        self.last = last


def wait_until(
    check: Callable[[], T],
    *,
    timeout: float,
    interval: float,
    describe: str,
    until: Callable[[T], object] = bool,
    retry_on: tuple[type[Exception], ...] = (),
    show: Callable[[T], str] = repr,
) -> T:
    """Call `check` every `interval` seconds until `until(result)` holds (by
    default: until the result is true), and return that result.

    An exception of a type in `retry_on` counts as one more miss; any other,
    a failed assertion in `check` included, ends the wait at once. After
    `timeout` seconds, raises `WaitTimeout`: "`describe` not within ...", with
    the last result (through `show`) or exception."""

    def give_up(state: tenacity.RetryCallState) -> Any:
        assert state.outcome is not None
        error = state.outcome.exception()
        last: object = error if error is not None else state.outcome.result()
        shown = repr(error) if error is not None else show(state.outcome.result())
        raise WaitTimeout(f"{describe} not within {timeout:g} s; last: {shown}", last) from error

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(timeout),
        wait=tenacity.wait_fixed(interval),
        retry=(
            tenacity.retry_if_exception_type(retry_on)
            | tenacity.retry_if_result(lambda result: not until(result))
        ),
        retry_error_callback=give_up,
    )
    return retrying(check)


def wait_tasks_done(
    status_of: Callable[[str], dict[str, Any]],
    task_ids: list[str],
    *,
    timeout: float,
    interval: float,
) -> list[dict[str, Any]]:
    """Ask each task's status (`status_of`: the API's GET /tasks/{id}) until
    every one has succeeded; their final statuses, in the order of `task_ids`.
    A task that failed ends the wait at once."""
    done: dict[str, dict[str, Any]] = {}

    def all_done() -> bool:
        for task_id in task_ids:
            if task_id not in done:
                status = status_of(task_id)
                assert status["state"] != "FAILURE", status
                if status["state"] == "SUCCESS":
                    done[task_id] = status
        return len(done) == len(task_ids)

    wait_until(
        all_done,
        timeout=timeout,
        interval=interval,
        describe=f"{len(task_ids)} tasks done",
        show=lambda _: f"{len(task_ids) - len(done)} of {len(task_ids)} not done",
    )
    return [done[task_id] for task_id in task_ids]
