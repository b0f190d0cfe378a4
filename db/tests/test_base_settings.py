from __future__ import annotations

from pathlib import Path

import pytest
from stack_db.base_settings import ConfigurationError, load_settings
from stack_db.database_settings import DatabaseSettings


def test_missing_password_names_the_variable_and_the_fix() -> None:
    with pytest.raises(ConfigurationError) as error:
        load_settings(DatabaseSettings)
    message = str(error.value)
    assert "POSTGRES_PASSWORD is not set" in message
    assert ".env.example" in message


def test_malformed_url_and_out_of_range_values_are_each_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://user:hunter2@host/db")
    monkeypatch.setenv("POSTGRES_PORT", "70000")
    monkeypatch.setenv("EMBEDDING_DIMENSION", "0")
    with pytest.raises(ConfigurationError) as error:
        load_settings(DatabaseSettings)
    lines = str(error.value).splitlines()
    assert any(line.startswith("  - DATABASE_URL is invalid") for line in lines)
    assert any(line.startswith("  - POSTGRES_PORT is invalid (got '70000')") for line in lines)
    assert any(line.startswith("  - EMBEDDING_DIMENSION is invalid") for line in lines)
    # The password inside the rejected URL is never echoed.
    assert "hunter2" not in str(error.value)
    assert "user:***@host" in str(error.value)


def test_secret_values_are_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError) as error:
        load_settings(DatabaseSettings, postgres_password=["not", "a", "string"])
    assert "POSTGRES_PASSWORD is invalid:" in str(error.value)
    assert "not" not in str(error.value).split("POSTGRES_PASSWORD is invalid:")[0]


def test_placeholder_secret_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("POSTGRES_PASSWORD", "change-me-postgres")
    with pytest.raises(ConfigurationError) as error:
        load_settings(DatabaseSettings)
    assert "APP_ENV is production but POSTGRES_PASSWORD still has the placeholder" in str(
        error.value
    )


def test_placeholder_secret_accepted_for_local_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POSTGRES_PASSWORD", "change-me-postgres")
    settings = load_settings(DatabaseSettings)
    assert settings.postgres_password is not None
    assert settings.app_env == "local"


def test_unknown_environment_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "prod")
    with pytest.raises(ConfigurationError, match="APP_ENV is invalid"):
        load_settings(DatabaseSettings, postgres_password="x")


def test_dotenv_is_read_and_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("POSTGRES_PASSWORD=from-file\nPOSTGRES_HOST=file-host\n")
    monkeypatch.setenv("POSTGRES_HOST", "env-host")
    settings = load_settings(DatabaseSettings)
    assert settings.postgres_password is not None
    assert settings.postgres_password.get_secret_value() == "from-file"
    assert settings.postgres_host == "env-host"


def test_defaults_can_be_overridden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_PASSWORD", "x")
    assert load_settings(DatabaseSettings).db_pool_size == 5
    monkeypatch.setenv("DB_POOL_SIZE", "12")
    assert load_settings(DatabaseSettings).db_pool_size == 12


def test_secret_files_fill_in_for_empty_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "postgres_password").write_text("from-secret-file\n")
    monkeypatch.setenv("POSTGRES_PASSWORD", "")  # `POSTGRES_PASSWORD=` in .env
    settings = load_settings(DatabaseSettings, _secrets_dir=tmp_path)
    assert settings.postgres_password is not None
    assert settings.postgres_password.get_secret_value() == "from-secret-file"


def test_an_empty_password_and_no_secret_file_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_PASSWORD", "")
    with pytest.raises(ConfigurationError, match="POSTGRES_PASSWORD is not set"):
        load_settings(DatabaseSettings)
