from __future__ import annotations

import pytest
from stack_db.base_settings import ConfigurationError, load_settings
from stack_worker.contract import BrokerSettings
from stack_worker.settings import WorkerSettings


def test_redis_password_is_required() -> None:
    with pytest.raises(ConfigurationError, match="REDIS_PASSWORD is not set"):
        load_settings(BrokerSettings)


def test_malformed_redis_url_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", "x")
    monkeypatch.setenv("REDIS_URL", "localhost:6379")
    with pytest.raises(ConfigurationError, match=r"REDIS_URL is invalid \(got 'localhost:6379'\)"):
        load_settings(BrokerSettings)


def test_password_inside_the_url_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigurationError, match="remove it from the URL and set REDIS_PASSWORD"):
        load_settings(BrokerSettings, redis_url="redis://:pw@redis:6379/0", redis_password="pw")


def test_url_with_password_is_built_for_the_clients() -> None:
    settings = BrokerSettings(redis_url="redis://redis:6380/2", redis_password="p@ss word")
    assert settings.redis_url_with_password == "redis://:p%40ss%20word@redis:6380/2"


def test_the_redis_user_goes_into_the_url_the_clients_get() -> None:
    settings = BrokerSettings(
        redis_url="redis://redis:6379/0", redis_username="stack-api", redis_password="pw"
    )
    assert settings.redis_url_with_password == "redis://stack-api:pw@redis:6379/0"
    from_url = BrokerSettings(redis_url="redis://someone@redis:6379/0", redis_password="pw")
    assert from_url.redis_url_with_password == "redis://someone:pw@redis:6379/0"


def test_default_database_number_is_zero() -> None:
    settings = BrokerSettings(redis_url="redis://redis", redis_password="pw")
    assert settings.redis_url_with_password.endswith("@redis:6379/0")


def test_soft_time_limit_must_come_before_the_hard_one() -> None:
    with pytest.raises(ConfigurationError, match="TASK_SOFT_TIME_LIMIT_SECONDS must be lower"):
        load_settings(
            WorkerSettings,
            redis_password="x",
            task_soft_time_limit_seconds=60,
            task_time_limit_seconds=60,
        )


def test_placeholder_redis_password_refused_in_production() -> None:
    with pytest.raises(ConfigurationError, match="REDIS_PASSWORD still has the placeholder"):
        load_settings(WorkerSettings, app_env="production", redis_password="change-me-redis")
