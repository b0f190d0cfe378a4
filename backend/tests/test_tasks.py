from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING
from unittest.mock import MagicMock

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

if TYPE_CHECKING:
    from .conftest import FakeInfra


def test_ping_is_enqueued_with_202(client: TestClient, infra: FakeInfra) -> None:
    infra.publisher.send_task.return_value = MagicMock(id="abc")
    response = client.post("/tasks/ping")
    assert response.status_code == 202
    assert response.json() == {"task_id": "abc"}
    assert infra.publisher.send_task.call_args.args == ("stack.ping",)


def retry_limit_exceeded() -> RuntimeError:
    """What Celery's result store raises once its reconnection retries are used up."""
    error = RuntimeError("Retry limit exceeded while trying to reconnect to the result store")
    error.__cause__ = RedisConnectionError("Connection refused")
    return error


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("Connection refused"),
        RedisConnectionError("Name or service not known"),
        retry_limit_exceeded(),
    ],
)
def test_broker_outage_is_503_with_the_reason(
    client: TestClient, infra: FakeInfra, error: Exception
) -> None:
    infra.publisher.send_task.side_effect = error
    response = client.post("/tasks/ping")
    assert response.status_code == 503
    assert "broker (Redis) is unavailable" in response.json()["detail"]


def test_a_full_redis_is_503_saying_it_is_full(client: TestClient, infra: FakeInfra) -> None:
    infra.publisher.send_task.side_effect = ResponseError(
        "Command # 1 (SADD _kombu.binding.celery celery) of pipeline caused error: "
        "command not allowed when used memory > 'maxmemory'."
    )
    response = client.post("/tasks/ping")
    assert response.status_code == 503
    detail = response.json()["detail"]
    assert "broker (Redis) is full" in detail
    assert "REDIS_MAXMEMORY" in detail


def test_a_runtime_error_that_is_not_an_outage_is_not_reported_as_one(
    app: FastAPI, infra: FakeInfra
) -> None:
    infra.publisher.send_task.side_effect = RuntimeError("a bug")
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/tasks/ping")
    assert response.status_code == 500


def test_task_state_uses_celery_state_names(
    client: TestClient, infra: FakeInfra, monkeypatch: object
) -> None:

    task_id = str(uuid.uuid4())
    infra.publisher.backend.get_task_meta.return_value = {
        "status": "SUCCESS",
        "result": "pong",
        "worker": "celery@w1",
    }
    response = client.get(f"/tasks/{task_id}")
    assert response.status_code == 200
    assert response.json() == {
        "task_id": task_id,
        "state": "SUCCESS",
        "result": "pong",
        "worker": "celery@w1",
    }
    assert infra.publisher.backend.get_task_meta.call_args.args == (task_id,)


def test_unknown_task_id_is_pending_with_no_worker(client: TestClient, infra: FakeInfra) -> None:
    infra.publisher.backend.get_task_meta.return_value = {"status": "PENDING", "result": None}
    body = client.get(f"/tasks/{uuid.uuid4()}").json()
    assert (body["state"], body["result"], body["worker"]) == ("PENDING", None, None)


def test_a_failed_task_reports_its_error_as_text(client: TestClient, infra: FakeInfra) -> None:
    infra.publisher.backend.get_task_meta.return_value = {
        "status": "FAILURE",
        "result": ValueError("bad input"),
    }
    body = client.get(f"/tasks/{uuid.uuid4()}").json()
    assert body["state"] == "FAILURE"
    assert body["result"] == "ValueError: bad input"


def test_result_store_outage_is_503(client: TestClient, infra: FakeInfra) -> None:
    infra.publisher.backend.get_task_meta.side_effect = OperationalError("refused")
    response = client.get(f"/tasks/{uuid.uuid4()}")
    assert response.status_code == 503


def test_malformed_task_id_is_422(client: TestClient) -> None:
    assert client.get("/tasks/not-a-task-id").status_code == 422


def test_nearest_checks_the_embedding_dimension(client: TestClient, infra: FakeInfra) -> None:
    infra.publisher.send_task.return_value = MagicMock(id="t1")
    wrong = client.post("/tasks/nearest", json={"content": "a", "embedding": [1.0, 2.0]})
    assert wrong.status_code == 422
    assert "EMBEDDING_DIMENSION is 3" in wrong.json()["detail"]
    right = client.post("/tasks/nearest", json={"content": "a", "embedding": [1.0, 2.0, 3.0]})
    assert right.status_code == 202
    assert infra.publisher.send_task.call_args.kwargs["args"] == ("a", [1.0, 2.0, 3.0])


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
    infra.publisher.send_task.assert_not_called()


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
