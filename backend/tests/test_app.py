from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from unittest.mock import MagicMock

import pytest
from fastapi.testclient import TestClient
from stack_backend import __main__ as entry
from stack_backend.container import build_container
from stack_backend.main import create_app
from stack_backend.settings import ApiSettings
from stack_db.settings import DatabaseSettings

if TYPE_CHECKING:
    from .conftest import FakeInfra


def test_app_starts_serves_docs_and_closes_its_clients(
    client: TestClient, infra: FakeInfra
) -> None:
    assert client.get("/openapi.json").json()["info"]["title"] == "test-api"
    assert client.get("/docs").status_code == 200
    client.__exit__(None, None, None)
    assert infra.closed


def test_mcp_is_mounted_at_mcp_slash(client: TestClient) -> None:
    response = client.post(
        "/mcp/",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"},
            },
        },
        headers={"accept": "application/json, text/event-stream"},
    )
    assert response.status_code == 200
    assert '"serverInfo"' in response.text


def test_container_wires_real_clients_without_connecting() -> None:
    settings = ApiSettings(redis_url="redis://redis:6379/1", redis_password="pw")
    container = build_container(settings, DatabaseSettings(postgres_password="pw"))
    try:
        assert container.engine.dialect.driver == "psycopg"
        assert container.celery.conf.broker_url == "redis://:pw@redis:6379/1"
        kwargs = container.redis.connection_pool.connection_kwargs
        assert (kwargs["host"], kwargs["db"], kwargs["password"]) == ("redis", 1, "pw")
        assert kwargs["socket_timeout"] == settings.redis_socket_timeout_seconds
        with container.sessions() as session:
            assert session.get_bind() is container.engine
    finally:
        container.engine.dispose()


def test_app_builds_its_own_container_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_PASSWORD", "pw")
    app = create_app(ApiSettings(redis_password="pw"))
    with TestClient(app) as client:
        assert client.get("/health/live").status_code == 200
        assert app.state.container.database.postgres_password is not None


def test_session_dependency_yields_a_session(client: TestClient) -> None:
    from stack_backend.deps import get_session

    container = client.app.state.container  # type: ignore[attr-defined]
    sessions = list(get_session(container))
    assert sessions == [container.sessions.return_value.__enter__.return_value]


def test_entry_point_refuses_bad_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", "pw")
    monkeypatch.setenv("API_PORT", "99999")
    with pytest.raises(SystemExit) as exit_:
        entry.main()
    message = str(exit_.value.code)
    assert message.startswith("stack-api: error: ApiSettings: invalid configuration")
    assert "API_PORT is invalid (got '99999')" in message


def test_entry_point_serves_with_the_configured_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", "pw")
    monkeypatch.setenv("POSTGRES_PASSWORD", "pw")
    monkeypatch.setenv("API_PORT", "9001")
    monkeypatch.setenv("LOG_LEVEL", "warning")
    server = MagicMock()
    monkeypatch.setattr(entry.uvicorn, "Server", server)
    collector = MagicMock()
    monkeypatch.setattr(entry, "gc", collector)
    entry.main()
    config = server.call_args.args[0]
    assert config.port == 9001
    assert config.log_level == "warning"
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
