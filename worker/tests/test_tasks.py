from __future__ import annotations

from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest
from stack_db.database_settings import DatabaseSettings
from stack_db.documents import Neighbour
from stack_worker import tasks
from stack_worker.celery_app import create_worker_app
from stack_worker.settings import WorkerSettings


@pytest.fixture
def eager_app() -> object:
    app = create_worker_app(
        WorkerSettings(redis_password="pw"), DatabaseSettings(postgres_password="pw")
    )
    app.conf.task_always_eager = True
    app.set_current()
    return app


def test_ping_answers_pong(eager_app: object) -> None:
    assert tasks.ping.delay().get() == "pong"


def test_store_and_find_nearest_returns_the_neighbour(
    eager_app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = MagicMock()
    monkeypatch.setattr(tasks.database, "session_factory", lambda: lambda: session)
    stored: dict[str, object] = {}

    def store(s: object, c: str, e: list[float], task_id: str) -> SimpleNamespace:
        stored["task_id"] = task_id
        return SimpleNamespace(id=7)

    monkeypatch.setattr(tasks, "store_document", store)
    seen: dict[str, object] = {}

    def nearest(s: object, embedding: list[float], limit: int, exclude_id: int) -> list[Neighbour]:
        seen.update(embedding=embedding, exclude_id=exclude_id)
        return [Neighbour(id=3, content="close", distance=0.5)]

    monkeypatch.setattr(tasks, "nearest_documents", nearest)
    outcome = tasks.store_and_find_nearest.delay("text", [1.0, 2.0, 3.0])
    result = outcome.get()
    assert stored["task_id"] == outcome.id  # the row is keyed by the task: stored once
    assert result == {"stored_id": 7, "nearest": {"id": 3, "content": "close", "distance": 0.5}}
    assert seen == {"embedding": [1.0, 2.0, 3.0], "exclude_id": 7}


def test_store_and_find_nearest_with_an_empty_table(
    eager_app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks.database, "session_factory", lambda: MagicMock)
    monkeypatch.setattr(tasks, "store_document", lambda s, c, e, task_id: SimpleNamespace(id=1))
    monkeypatch.setattr(tasks, "nearest_documents", lambda *a, **k: [])
    assert tasks.store_and_find_nearest.delay("t", [0.0]).get() == {"stored_id": 1, "nearest": None}


def test_worker_database_engine_is_made_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from stack_worker import database

    monkeypatch.setenv("POSTGRES_PASSWORD", "x")
    database.engine.cache_clear()
    database.session_factory.cache_clear()
    try:
        assert database.engine() is database.engine()
        assert database.session_factory().kw["bind"] is database.engine()
    finally:
        database.engine().dispose()
        database.engine.cache_clear()
        database.session_factory.cache_clear()


def test_sleep_waits_and_returns_the_seconds(eager_app: object) -> None:
    assert tasks.sleep.delay(0.01).get() == 0.01


def test_cpu_burn_is_deterministic(eager_app: object) -> None:
    assert tasks.cpu_burn.delay(1000).get() == tasks.burn(1000) == tasks.cpu_burn.delay(1000).get()
    assert tasks.burn(0) == 0
    assert tasks.burn(1) == 12345
    assert tasks.burn(3) != tasks.burn(2)


def test_cpu_burn_refuses_an_unbounded_size(eager_app: object) -> None:
    with pytest.raises(ValueError, match="iterations"):
        tasks.cpu_burn.delay(tasks.CPU_BURN_MAX_ITERATIONS + 1).get()
    with pytest.raises(ValueError, match="iterations"):
        tasks.cpu_burn.delay(-1).get()


def test_a_task_runs_with_the_request_id_of_its_message() -> None:
    from asgi_correlation_id import correlation_id
    from stack_worker.celery_app import drop_request_id, take_request_id
    from stack_worker.contract import REQUEST_ID_HEADER

    task = MagicMock()
    task.request.get.side_effect = {REQUEST_ID_HEADER: "r-1"}.get
    take_request_id(task=task)
    assert correlation_id.get() == "r-1"
    drop_request_id()
    assert correlation_id.get() is None
