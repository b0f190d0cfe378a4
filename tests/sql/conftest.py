"""The SQL tier: the shared library's SQL (migrations, documents, db-init)
against a real Postgres with pgvector, the project's own db image alone, under
a Compose project of its own (`stack-sql`), on a free port of 127.0.0.1.

Each test starts from an empty schema; the database is removed with its
volume at the end of the session."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from stack_db.database_settings import DatabaseSettings
from stack_db.engine import create_db_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from stack_testing import ComposeStack, free_port

# Another name (SQL_PROJECT) lets two checkouts run the tier at once.
PROJECT = os.environ.get("SQL_PROJECT", "stack-sql")


@pytest.fixture(scope="session")
def database_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseSettings]:
    stack = ComposeStack.from_env_example(
        PROJECT,
        tmp_path_factory.mktemp("sql"),
        POSTGRES_HOST_PORT=str(free_port()),
    ).with_files("compose.yaml", "compose.ports.yaml")
    stack.remove()
    stack.up("db", build=True, wait_timeout=120)
    try:
        yield DatabaseSettings(
            postgres_host="127.0.0.1",
            postgres_port=int(stack.settings["POSTGRES_HOST_PORT"]),
            postgres_user=stack.settings["POSTGRES_USER"],
            postgres_password=stack.settings["POSTGRES_PASSWORD"],
            postgres_db=stack.settings["POSTGRES_DB"],
        )
    finally:
        stack.remove()


@pytest.fixture
def engine(database_settings: DatabaseSettings) -> Iterator[Engine]:
    """An engine on an empty schema: what the migrations made is dropped first."""
    engine = create_db_engine(database_settings, application_name="sql-tests")
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS document, task_record, alembic_version"))
    yield engine
    engine.dispose()
