"""The API's bearer token: required where the settings say so, on /tasks/* and
/mcp/; /health's details only for an authenticated caller; /health/live open."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any
from unittest.mock import MagicMock

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from stack_backend.__main__ import announce_access
from stack_backend.app import create_app
from stack_backend.clients import Clients
from stack_backend.settings import ApiSettings
from stack_db.base_settings import ConfigurationError, load_settings

TOKEN = "a-test-token-long-enough-for-the-api"


@pytest.fixture
def api_settings() -> ApiSettings:
    return ApiSettings(redis_password="pw", api_title="test-api", api_token=TOKEN)


@pytest.fixture
def guarded(clients: Clients) -> Iterator[TestClient]:
    """The API with API_TOKEN set."""
    with TestClient(create_app(clients.settings, clients.database, clients=clients)) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


CALLERS: list[tuple[str, dict[str, str], int]] = [
    ("no token", {}, 401),
    ("wrong token", bearer("not-" + TOKEN), 401),
    ("another scheme", {"authorization": f"Basic {TOKEN}"}, 401),
    ("the token", bearer(TOKEN), 202),
]


@pytest.mark.parametrize(("caller", "headers", "expected"), CALLERS)
def test_tasks_need_the_token(
    guarded: TestClient, caller: str, headers: dict[str, str], expected: int
) -> None:
    guarded.app.state.clients.publisher.send_task.return_value = MagicMock(id="t-1")  # type: ignore[attr-defined]
    response = guarded.post("/tasks/ping", headers=headers)
    assert response.status_code == expected, (caller, response.text)
    if expected == 401:
        assert response.headers["www-authenticate"] == "Bearer"
        assert "API_TOKEN" in response.json()["detail"]


def test_reading_a_task_needs_the_token_too(guarded: TestClient) -> None:
    path = "/tasks/5b1c4a52-3c8e-4a2e-9b1a-4c1d7d0e7a11"
    assert guarded.get(path).status_code == 401
    # With the token the request reaches the route: no task has this id.
    assert guarded.get(path, headers=bearer(TOKEN)).status_code == 404


@pytest.mark.parametrize(("caller", "headers", "expected"), CALLERS)
def test_mcp_needs_the_token(
    guarded: TestClient,
    post_mcp_initialize: Callable[..., Response],
    caller: str,
    headers: dict[str, str],
    expected: int,
) -> None:
    response = post_mcp_initialize(guarded, **headers)
    assert response.status_code == (200 if expected == 202 else 401), (caller, response.text)
    if response.status_code == 200:
        assert '"serverInfo"' in response.text


@pytest.mark.parametrize(
    "authorization",
    [f"Basic {TOKEN}", "Bearer", f"Bearer  {TOKEN}x", f"Bearer {TOKEN[:-1]}", "wrong"],
)
def test_health_details_only_with_the_token(guarded: TestClient, authorization: str) -> None:
    anonymous = guarded.get("/health")
    assert anonymous.status_code == 200
    assert anonymous.json() == {"status": "ok"}
    wrong = guarded.get("/health", headers={"authorization": authorization})
    assert wrong.json() == {"status": "ok"}
    for scheme in ("Bearer", "bearer"):
        detailed = guarded.get("/health", headers={"authorization": f"{scheme} {TOKEN}"}).json()
        assert detailed["components"]["redis"]["status"] == "up"


def test_liveness_stays_open(guarded: TestClient) -> None:
    assert guarded.get("/health/live").status_code == 200


def settings(**values: Any) -> ApiSettings:
    return load_settings(ApiSettings, redis_password="a-real-redis-password", **values)


def test_without_a_token_the_api_is_open_on_loopback() -> None:
    assert settings().why_a_token_is_required is None


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"app_env": "production"}, "APP_ENV is production"),
        ({"api_publish_address": "0.0.0.0"}, "API_PUBLISH_ADDRESS is 0.0.0.0, beyond loopback"),
        ({"api_publish_address": "192.168.1.10"}, "API_PUBLISH_ADDRESS is 192.168.1.10"),
    ],
)
def test_a_token_is_required_in_production_or_beyond_loopback(
    values: dict[str, str], reason: str
) -> None:
    with pytest.raises(ConfigurationError, match=f"API_TOKEN is not set but {reason}"):
        settings(**values)
    assert settings(**values, api_token=TOKEN).why_a_token_is_required


def test_a_short_token_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigurationError, match="shorter than 24 characters") as refused:
        settings(api_token="short-secret")
    assert "short-secret" not in str(refused.value)


def test_the_placeholder_token_is_refused_in_production() -> None:
    with pytest.raises(ConfigurationError, match="API_TOKEN still has the placeholder"):
        settings(app_env="production", api_token="change-me-api-token-0123456789")


def test_an_invalid_publish_address_is_named() -> None:
    with pytest.raises(ConfigurationError, match="API_PUBLISH_ADDRESS is invalid"):
        settings(api_publish_address="example.com")


def test_start_up_says_whether_the_api_is_open(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    announce_access(settings())
    announce_access(settings(api_token=TOKEN))
    open_api, guarded_api = caplog.records
    assert open_api.levelno == logging.WARNING
    assert "API_TOKEN is not set" in open_api.getMessage()
    assert "127.0.0.1" in open_api.getMessage()
    assert "require the bearer token" in guarded_api.getMessage()
    assert TOKEN not in caplog.text
