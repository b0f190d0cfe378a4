"""Applying the Alembic migrations that ship inside this package."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "stack_db:migrations")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def embedding_column_dimension(engine: Engine) -> int | None:
    """The dimension of document.embedding as the database has it, if the table exists."""
    with engine.connect() as connection:
        # For pgvector's type, atttypmod is the declared dimension (-1 when undeclared).
        typmod = connection.execute(
            text(
                "SELECT atttypmod FROM pg_attribute "
                "WHERE attrelid = to_regclass('document') AND attname = 'embedding'"
            )
        ).scalar_one_or_none()
    return None if typmod is None or typmod < 0 else int(typmod)
