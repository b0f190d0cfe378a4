"""The SQL tier: the shared library's SQL (migrations, documents, db-init)
against a real Postgres with pgvector, the project's own db image alone, under
a Compose project of its own (`stack-sql`), on a free port of 127.0.0.1.

Each test starts from an empty schema; the database is removed with its
volume at the end of the session."""

from __future__ import annotations

import secrets
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from dotenv import dotenv_values
from sqlalchemy import Engine, text
from stack_db.database_settings import DatabaseSettings
from stack_db.engine import create_db_engine

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "stack-sql"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _compose(env_file: Path, *args: str) -> None:
    command = ["docker", "compose", "-p", PROJECT, "--env-file", str(env_file)]
    command += ["-f", "compose.yaml", "-f", "compose.ports.yaml", *args]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="session")
def database_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseSettings]:
    values = {k: v for k, v in dotenv_values(ROOT / ".env.example").items() if v is not None}
    port = _free_port()
    values.update(
        POSTGRES_PASSWORD=secrets.token_urlsafe(16),
        POSTGRES_HOST_PORT=str(port),
        STACK_IMAGE_TAG=PROJECT,
    )
    env_file = tmp_path_factory.mktemp("sql") / "sql.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    _compose(env_file, "down", "--volumes")
    _compose(env_file, "up", "--build", "--wait", "--wait-timeout", "120", "db")
    try:
        yield DatabaseSettings(
            postgres_host="127.0.0.1",
            postgres_port=port,
            postgres_user=values["POSTGRES_USER"],
            postgres_password=values["POSTGRES_PASSWORD"],
            postgres_db=values["POSTGRES_DB"],
        )
    finally:
        _compose(env_file, "down", "--volumes")


@pytest.fixture
def engine(database_settings: DatabaseSettings) -> Iterator[Engine]:
    """An engine on an empty schema: what the migrations made is dropped first."""
    engine = create_db_engine(database_settings, application_name="sql-tests")
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS document, alembic_version"))
    yield engine
    engine.dispose()
