"""`.env.example` must list every setting the services read, and nothing else."""

from __future__ import annotations

from pathlib import Path

from stack_backend.settings import ApiSettings
from stack_db.database_settings import DatabaseSettings
from stack_worker.settings import WorkerSettings

ROOT = Path(__file__).resolve().parents[2]
# Read by Compose itself (ports it publishes), not by a settings class.
COMPOSE_ONLY = {"API_HOST_PORT", "FRONTEND_HOST_PORT"}


def example_variables() -> dict[str, str]:
    variables = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("# ") and "=" in stripped and stripped[2:3].isupper():
            stripped = stripped[2:]  # an optional variable, shown commented out
        elif not stripped or stripped.startswith("#"):
            continue
        name, _, value = stripped.partition("=")
        variables[name] = value
    return variables


def settings_variables() -> set[str]:
    return {
        name.upper()
        for cls in (ApiSettings, DatabaseSettings, WorkerSettings)
        for name in cls.model_fields
    }


def test_every_setting_is_in_env_example_and_nothing_else() -> None:
    documented = set(example_variables()) - COMPOSE_ONLY
    assert settings_variables() - documented == set(), "add these to .env.example"
    assert documented - settings_variables() == set(), "no settings class reads these"


def test_env_example_values_load_as_they_are(monkeypatch: object) -> None:
    import pytest

    with pytest.MonkeyPatch.context() as patch:
        for name, value in example_variables().items():
            if not name.startswith("DATABASE_URL"):
                patch.setenv(name, value)
        api = ApiSettings()
        database = DatabaseSettings()
        worker = WorkerSettings()
    assert api.redis_url_with_password.startswith("redis://:change-me-redis@redis:6379")
    assert database.sqlalchemy_url.host == "db"
    assert worker.worker_concurrency >= 1
