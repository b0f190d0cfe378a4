from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING
from unittest.mock import MagicMock

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from stack_backend import __main__ as entry
from stack_backend.app import create_app
from stack_backend.clients import build_clients
from stack_backend.settings import ApiSettings
from stack_db.database_settings import DatabaseSettings

if TYPE_CHECKING:
    from .conftest import FakeInfra


def test_app_starts_serves_docs_and_closes_its_clients(
    client: TestClient, infra: FakeInfra
) -> None:
    assert client.get("/openapi.json").json()["info"]["title"] == "test-api"
    assert client.get("/docs").status_code == 200
    client.__exit__(None, None, None)
    assert infra.closed


def test_mcp_is_mounted_at_mcp_slash(
    client: TestClient, post_mcp_initialize: Callable[..., Response]
) -> None:
    response = post_mcp_initialize(client)
    assert response.status_code == 200
    assert '"serverInfo"' in response.text


def test_clients_are_real_and_connect_to_nothing_when_built() -> None:
    settings = ApiSettings(redis_url="redis://redis:6379/1", redis_password="pw")
    clients = build_clients(settings, DatabaseSettings(postgres_password="pw"))
    assert clients.publisher.conf.broker_url == "redis://:pw@redis:6379/1"
    assert clients.publisher.conf.task_acks_late is False  # a publisher, not a worker
    kwargs = clients.redis.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["db"], kwargs["password"]) == ("redis", 1, "pw")
    assert kwargs["socket_timeout"] == settings.redis_socket_timeout_seconds


def test_app_builds_its_own_clients_from_settings() -> None:
    database = DatabaseSettings(postgres_password="pw")
    app = create_app(ApiSettings(redis_password="pw"), database)
    with TestClient(app) as client:
        assert client.get("/health/live").status_code == 200
        assert app.state.clients.database is database


def test_entry_point_refuses_bad_configuration(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", "pw")
    monkeypatch.setenv("API_PORT", "99999")
    with pytest.raises(SystemExit) as exit_:
        entry.main()
    assert exit_.value.code == 2
    message = capsys.readouterr().err
    assert message.startswith("stack-api: error: ApiSettings: invalid configuration")
    assert "API_PORT is invalid (got '99999')" in message


def test_entry_point_serves_with_the_configured_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", "pw")
    monkeypatch.setenv("POSTGRES_PASSWORD", "pw")
    monkeypatch.setenv("API_PORT", "9001")
    monkeypatch.setenv("LOG_LEVEL", "warning")
    configure = MagicMock()
    monkeypatch.setattr(entry.log_setup, "configure", configure)
    server = MagicMock()
    monkeypatch.setattr(entry.uvicorn, "Server", server)
    collector = MagicMock()
    monkeypatch.setattr(entry, "gc", collector)
    entry.main()
    config = server.call_args.args[0]
    assert config.port == 9001
    assert config.log_level == "warning"
    assert config.log_config is None  # uvicorn's records go to the stack's handler
    configure.assert_called_once_with("warning", "text")
    server.return_value.run.assert_called_once()
    collector.freeze.assert_called_once()  # the start-up heap is out of full collections


def access_record(method: str, path: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", method, path, "1.1", 200),
        None,
    )


def test_liveness_probes_stay_out_of_the_access_log() -> None:
    assert not entry.skip_liveness_probes(access_record("GET", "/health/live"))
    assert entry.skip_liveness_probes(access_record("GET", "/health"))
    assert entry.skip_liveness_probes(access_record("POST", "/tasks/ping"))


@pytest.mark.parametrize(
    ("page", "asset"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc")]
)
def test_docs_pages_load_their_assets_from_the_api_only(
    client: TestClient, page: str, asset: str
) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert f'src="/static-offline-docs/{asset}' in response.text
    assert "cdn." not in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "img-src 'self' data:" in policy


def test_only_the_docs_pages_carry_the_policy(client: TestClient) -> None:
    assert "content-security-policy" not in client.get("/health/live").headers
    assert "content-security-policy" not in client.get("/openapi.json").headers
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    given = "9b2f7c8e4a3d4f0e8b1a2c3d4e5f6a7b"  # a valid UUID4, as hex
    assert (
        client.get("/health/live", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    )
    made = client.get("/health/live", headers={"X-Request-ID": "not an id"}).headers
    assert made["X-Request-ID"] not in ("", "not an id")  # invalid: a new one
    assert client.get("/health/live").headers["X-Request-ID"]
