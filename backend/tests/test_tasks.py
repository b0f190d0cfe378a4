from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError
from stack_backend.task_store import IdempotencyKeyReused, TaskStoreUnavailable
from stack_db.models import TaskRecord

if TYPE_CHECKING:
    from .conftest import FakeInfra


def test_ping_is_recorded_and_answered_202(client: TestClient, infra: FakeInfra) -> None:
    response = client.post("/tasks/ping")
    assert response.status_code == 202
    task_id = response.json()["task_id"]
    assert infra.tasks.records[task_id].name == "stack.ping"


def test_the_same_idempotency_key_answers_the_first_task(
    client: TestClient, infra: FakeInfra
) -> None:
    body = {"content": "a", "embedding": [1.0, 2.0, 3.0]}
    first = client.post("/tasks/nearest", json=body, headers={"Idempotency-Key": "k1"})
    again = client.post("/tasks/nearest", json=body, headers={"Idempotency-Key": "k1"})
    other = client.post("/tasks/nearest", json=body, headers={"Idempotency-Key": "k2"})
    assert first.json() == again.json()
    assert other.json() != first.json()
    assert len(infra.tasks.records) == 2


def test_an_overlong_idempotency_key_is_422(client: TestClient) -> None:
    response = client.post("/tasks/ping", headers={"Idempotency-Key": "k" * 201})
    assert response.status_code == 422


def test_a_reused_idempotency_key_is_422_with_the_fix(client: TestClient, infra: FakeInfra) -> None:
    infra.tasks.error = IdempotencyKeyReused("k1")
    response = client.post("/tasks/ping", headers={"Idempotency-Key": "k1"})
    assert response.status_code == 422
    assert "use a new key for a new request" in response.json()["detail"]


def test_task_store_outage_is_503_with_the_reason(client: TestClient, infra: FakeInfra) -> None:
    infra.tasks.error = TaskStoreUnavailable(OperationalError("refused", None, Exception()))
    assert client.post("/tasks/ping").status_code == 503
    response = client.get(f"/tasks/{uuid.uuid4()}")
    assert response.status_code == 503
    assert "task store (Postgres) is unavailable" in response.json()["detail"]


def test_a_task_reads_its_record(client: TestClient, infra: FakeInfra) -> None:
    task_id = str(uuid.uuid4())
    infra.tasks.records[task_id] = TaskRecord(
        task_id=task_id, name="stack.ping", args=[], state="SUCCESS", result="pong", worker="w1"
    )
    response = client.get(f"/tasks/{task_id}")
    assert response.status_code == 200
    assert response.json() == {
        "task_id": task_id,
        "state": "SUCCESS",
        "result": "pong",
        "worker": "w1",
    }


@pytest.mark.parametrize(
    ("in_redis", "state", "worker"),
    [
        (
            {"status": "STARTED", "result": {"pid": 7, "hostname": "celery@n3"}},
            "STARTED",
            "celery@n3",
        ),
        ({"status": "STARTED"}, "STARTED", None),
        ({"status": "PENDING"}, "PENDING", None),
        (RedisConnectionError("refused"), "PENDING", None),
    ],
)
def test_a_pending_task_reads_started_while_a_worker_runs_it(
    client: TestClient, infra: FakeInfra, in_redis: object, state: str, worker: str | None
) -> None:
    task_id = str(uuid.uuid4())
    infra.tasks.records[task_id] = TaskRecord(task_id=task_id, name="stack.sleep", args=[1])
    meta = infra.tasks.publisher.backend.get_task_meta
    if isinstance(in_redis, Exception):
        meta.side_effect = in_redis
    else:
        meta.return_value = in_redis
    answer = client.get(f"/tasks/{task_id}").json()
    assert (answer["state"], answer["worker"]) == (state, worker)


def test_an_unknown_task_id_is_404(client: TestClient) -> None:
    task_id = uuid.uuid4()
    response = client.get(f"/tasks/{task_id}")
    assert response.status_code == 404
    assert response.json()["detail"] == f"no task {task_id} was accepted here"


def test_malformed_task_id_is_422(client: TestClient) -> None:
    assert client.get("/tasks/not-a-task-id").status_code == 422


def test_nearest_checks_the_embedding_dimension(client: TestClient, infra: FakeInfra) -> None:
    wrong = client.post("/tasks/nearest", json={"content": "a", "embedding": [1.0, 2.0]})
    assert wrong.status_code == 422
    assert "EMBEDDING_DIMENSION is 3" in wrong.json()["detail"]
    right = client.post("/tasks/nearest", json={"content": "a", "embedding": [1.0, 2.0, 3.0]})
    assert right.status_code == 202
    assert infra.tasks.records[right.json()["task_id"]].args == ["a", [1.0, 2.0, 3.0]]


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post(
        "/tasks/nearest", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_non_finite_embedding_is_422(client: TestClient) -> None:
    response = client.post(
        "/tasks/nearest",
        content=b'{"content": "a", "embedding": [1.0, NaN, 3.0]}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422


def test_oversized_body_is_refused_with_413(client: TestClient, infra: FakeInfra) -> None:
    big = {"content": "x" * 2_000_000, "embedding": [1.0, 2.0, 3.0]}
    response = client.post("/tasks/nearest", json=big)
    assert response.status_code == 413
    assert "MAX_REQUEST_BODY_BYTES" in response.json()["detail"]
    assert infra.tasks.records == {}


def test_streamed_oversized_body_is_refused_with_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"x" * 65_536

    response = client.post(
        "/tasks/nearest", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_invalid_content_length_is_refused(client: TestClient) -> None:
    response = client.post("/tasks/ping", content=b"", headers={"content-length": "lots"})
    assert response.status_code == 400
