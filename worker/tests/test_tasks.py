from __future__ import annotations

from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest
import tenacity
from sqlalchemy.exc import OperationalError, ProgrammingError
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


def test_ping_answers_pong(eager_app: object, session: MagicMock) -> None:
    assert tasks.ping.delay().get() == "pong"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> MagicMock:
    """The worker's database session, mocked for every task of the test."""
    session = MagicMock()
    session.__enter__.return_value = session
    monkeypatch.setattr(tasks.database, "session_factory", lambda: lambda: session)
    return session


def test_store_and_find_nearest_commits_the_row_with_the_outcome(
    eager_app: object, session: MagicMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []

    def store(s: object, c: str, e: list[float], task_id: str, commit: bool) -> SimpleNamespace:
        order.append(f"store {task_id} commit={commit}")
        return SimpleNamespace(id=7)

    monkeypatch.setattr(tasks, "store_document", store)
    seen: dict[str, object] = {}

    def nearest(s: object, embedding: list[float], limit: int, exclude_id: int) -> list[Neighbour]:
        seen.update(embedding=embedding, exclude_id=exclude_id)
        return [Neighbour(id=3, content="close", distance=0.5)]

    monkeypatch.setattr(tasks, "nearest_documents", nearest)

    def finish(s: object, task_id: str, state: str, result: object, worker: object) -> bool:
        order.append(f"finish {task_id} {state}")
        return True

    monkeypatch.setattr(tasks, "finish_task", finish)
    session.commit.side_effect = lambda: order.append("commit")
    outcome = tasks.store_and_find_nearest.delay("text", [1.0, 2.0, 3.0])
    result = outcome.get()
    # The row is keyed by the task (stored once), and committed with the outcome.
    assert order == [f"store {outcome.id} commit=False", f"finish {outcome.id} SUCCESS", "commit"]
    assert result == {"stored_id": 7, "nearest": {"id": 3, "content": "close", "distance": 0.5}}
    assert seen == {"embedding": [1.0, 2.0, 3.0], "exclude_id": 7}


def test_store_and_find_nearest_with_an_empty_table(
    eager_app: object, session: MagicMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "store_document", lambda *a, **k: SimpleNamespace(id=1))
    monkeypatch.setattr(tasks, "nearest_documents", lambda *a, **k: [])
    assert tasks.store_and_find_nearest.delay("t", [0.0]).get() == {"stored_id": 1, "nearest": None}


def test_a_database_blip_is_retried_inside_the_task(
    eager_app: object, session: MagicMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[int] = []

    def store(*args: object, **kwargs: object) -> SimpleNamespace:
        attempts.append(1)
        if len(attempts) < 3:
            raise OperationalError("INSERT", None, Exception("server closed the connection"))
        return SimpleNamespace(id=5)

    monkeypatch.setattr(tasks, "store_document", store)
    monkeypatch.setattr(tasks, "nearest_documents", lambda *a, **k: [])
    monkeypatch.setattr(tasks.tenacity, "wait_exponential", lambda **k: tenacity.wait_none())
    assert tasks.store_and_find_nearest.delay("t", [0.0]).get() == {"stored_id": 5, "nearest": None}
    assert len(attempts) == 3


def test_an_error_that_is_not_transient_is_not_retried(
    eager_app: object, session: MagicMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[int] = []

    def store(*args: object, **kwargs: object) -> SimpleNamespace:
        attempts.append(1)
        raise ProgrammingError("INSERT", None, Exception("column does not exist"))

    monkeypatch.setattr(tasks, "store_document", store)
    with pytest.raises(ProgrammingError):
        tasks.store_and_find_nearest.delay("t", [0.0]).get()
    assert len(attempts) == 1


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


def test_sleep_waits_and_returns_the_seconds(eager_app: object, session: MagicMock) -> None:
    assert tasks.sleep.delay(0.01).get() == 0.01


def test_cpu_burn_is_deterministic(eager_app: object, session: MagicMock) -> None:
    assert tasks.cpu_burn.delay(1000).get() == tasks.burn(1000) == tasks.cpu_burn.delay(1000).get()
    assert tasks.burn(0) == 0
    assert tasks.burn(1) == 12345
    assert tasks.burn(3) != tasks.burn(2)


def test_cpu_burn_refuses_an_unbounded_size(eager_app: object, session: MagicMock) -> None:
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
