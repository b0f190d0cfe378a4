"""Outcomes recorded by Celery's signals, for the tasks that do not record
their own; the database functions are mocked."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError
from stack_db.database_settings import DatabaseSettings
from stack_worker import outcomes, tasks
from stack_worker.celery_app import create_worker_app
from stack_worker.settings import WorkerSettings


@pytest.fixture
def finished(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, object]]:
    app = create_worker_app(
        WorkerSettings(redis_password="pw"), DatabaseSettings(postgres_password="pw")
    )
    app.conf.task_always_eager = True
    app.set_current()
    session = MagicMock()
    session.__enter__.return_value = session
    monkeypatch.setattr(outcomes.database, "session_factory", lambda: lambda: session)
    calls: list[tuple[str, object]] = []

    def finish(s: object, task_id: str, state: str, result: object, worker: object) -> bool:
        calls.append((state, result))
        return True

    monkeypatch.setattr(outcomes, "finish_task", finish)
    return calls


def test_a_success_is_recorded(finished: list[tuple[str, object]]) -> None:
    tasks.ping.delay().get()
    assert finished == [("SUCCESS", "pong")]


def test_a_failure_is_recorded_with_its_error(finished: list[tuple[str, object]]) -> None:
    with pytest.raises(ValueError, match="iterations"):
        tasks.cpu_burn.delay(-1).get()
    assert finished == [("FAILURE", "ValueError: iterations must be 0..50000000, not -1")]


def test_a_database_outage_is_not_an_outcome(
    finished: list[tuple[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*args: object, **kwargs: object) -> None:
        raise OperationalError("connect", None, Exception("refused"))

    monkeypatch.setattr(tasks, "store_document", unreachable)
    monkeypatch.setattr(tasks, "TRANSIENT_RETRY_SHARE", 0.0)
    with pytest.raises(OperationalError):
        tasks.store_and_find_nearest.delay("t", [0.0]).get()
    assert finished == []  # left PENDING: the sweeper sends it again


def test_an_outcome_that_cannot_be_recorded_is_logged(
    finished: list[tuple[str, object]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def unreachable(*args: object, **kwargs: object) -> bool:
        raise OperationalError("UPDATE", None, Exception("refused"))

    monkeypatch.setattr(outcomes, "finish_task", unreachable)
    assert tasks.ping.delay().get() == "pong"
    assert "outcome of task" in caplog.text


def test_a_redis_outage_is_not_an_outcome(
    finished: list[tuple[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable() -> str:
        raise RedisTimeoutError("Timeout reading from socket")

    monkeypatch.setattr(tasks.ping, "run", unreachable)
    with pytest.raises(RedisTimeoutError):
        tasks.ping.delay().get()
    assert finished == []
