"""TaskStore: recorded before published, idempotency, the sweeper's step;
the database functions and the publisher are mocked."""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from unittest.mock import MagicMock

import pytest
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import OperationalError
from stack_backend import sweeper, task_store
from stack_backend.task_store import IdempotencyKeyReused, TaskStore, TaskStoreUnavailable
from stack_db.models import TaskRecord
from stack_db.task_records import Recorded


@pytest.fixture
def session() -> MagicMock:
    session = MagicMock()
    session.__enter__.return_value = session
    return session


@pytest.fixture
def store(session: MagicMock) -> TaskStore:
    return TaskStore(sessions=lambda: session, publisher=MagicMock())  # type: ignore[arg-type]


def recorded(created: bool = True, **fields: Any) -> Recorded:
    values = {"task_id": "t1", "name": "stack.ping", "args": [], **fields}
    return Recorded(TaskRecord(**values), created=created)


def test_submit_commits_the_record_before_it_publishes(
    store: TaskStore, session: MagicMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []
    monkeypatch.setattr(task_store, "record_task", lambda *a: order.append("record") or recorded())
    session.commit.side_effect = lambda: order.append("commit")
    store.publisher.send_task.side_effect = lambda *a, **k: order.append("publish")  # type: ignore[attr-defined]
    assert store.submit("stack.ping", []) == "t1"
    assert order == ["record", "commit", "publish"]
    kwargs = store.publisher.send_task.call_args.kwargs  # type: ignore[attr-defined]
    assert (kwargs["task_id"], kwargs["retry"]) == ("t1", False)


def test_a_broker_outage_after_the_commit_still_accepts_the_task(
    store: TaskStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(task_store, "record_task", lambda *a: recorded())
    store.publisher.send_task.side_effect = BrokerError("refused")  # type: ignore[attr-defined]
    assert store.submit("stack.ping", []) == "t1"


def test_a_full_broker_withdraws_the_task_and_says_so(
    store: TaskStore, session: MagicMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis.exceptions import ResponseError
    from stack_backend.task_queue import BrokerUnavailable

    monkeypatch.setattr(task_store, "record_task", lambda *a: recorded())
    store.publisher.send_task.side_effect = ResponseError(  # type: ignore[attr-defined]
        "Command # 1 (SADD _kombu.binding.celery celery) of pipeline caused error: "
        "command not allowed when used memory > 'maxmemory'."
    )
    with pytest.raises(BrokerUnavailable, match="broker \\(Redis\\) is full"):
        store.submit("stack.ping", [])
    session.delete.assert_called_once_with(session.get.return_value)


def test_a_known_idempotency_key_answers_the_first_task_without_publishing(
    store: TaskStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(task_store, "record_task", lambda *a: recorded(created=False))
    assert store.submit("stack.ping", [], "k") == "t1"
    store.publisher.send_task.assert_not_called()  # type: ignore[attr-defined]


def test_a_key_reused_for_another_request_is_refused(
    store: TaskStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(task_store, "record_task", lambda *a: recorded(created=False, args=["x"]))
    with pytest.raises(IdempotencyKeyReused, match="'k' was used before"):
        store.submit("stack.ping", [], "k")


def test_a_database_outage_is_task_store_unavailable(
    store: TaskStore, session: MagicMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    session.commit.side_effect = OperationalError("commit", None, Exception("gone"))
    monkeypatch.setattr(task_store, "record_task", lambda *a: recorded())
    with pytest.raises(TaskStoreUnavailable, match=r"task store \(Postgres\) is unavailable"):
        store.submit("stack.ping", [])
    store.publisher.send_task.assert_not_called()  # type: ignore[attr-defined]


def test_status_reads_the_record(store: TaskStore, monkeypatch: pytest.MonkeyPatch) -> None:
    record = recorded().record
    monkeypatch.setattr(task_store, "get_task", lambda s, task_id: record)
    assert store.status("t1") is record


def test_the_sweep_publishes_the_overdue_then_commits(
    store: TaskStore, session: MagicMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    overdue = [recorded(task_id="a").record, recorded(task_id="b").record]
    monkeypatch.setattr(task_store, "claim_overdue", lambda s, age, limit: overdue)
    assert store.republish_overdue(30) == 2
    sent = [c.kwargs["task_id"] for c in store.publisher.send_task.call_args_list]  # type: ignore[attr-defined]
    assert sent == ["a", "b"]
    session.commit.assert_called_once()


def test_a_sweep_with_redis_down_marks_nothing_published(
    store: TaskStore, session: MagicMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(task_store, "claim_overdue", lambda s, age, limit: [recorded().record])
    store.publisher.send_task.side_effect = BrokerError("refused")  # type: ignore[attr-defined]
    assert store.republish_overdue(30) == 0
    session.rollback.assert_called_once()
    session.commit.assert_not_called()


def test_the_sweeper_loop_goes_on_through_a_database_outage() -> None:
    calls: list[float] = []
    three_sweeps = threading.Event()

    class Store:
        def republish_overdue(self, age: float) -> int:
            calls.append(age)
            if len(calls) == 3:
                three_sweeps.set()
            if len(calls) == 1:
                raise TaskStoreUnavailable(Exception("gone"))
            return 3

    async def run() -> None:
        loop = asyncio.create_task(sweeper.sweep_forever(Store(), 0.01, 42))  # type: ignore[arg-type]
        await asyncio.to_thread(three_sweeps.wait, 5)
        loop.cancel()

    asyncio.run(run())
    assert calls[:3] == [42, 42, 42]
