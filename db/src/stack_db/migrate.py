"""Applying the Alembic migrations that ship inside this package.

The migrations take their parameters (the embedding dimension) from whoever
runs them, through the Alembic config's attributes, never from the
environment: db-init passes what it loaded.
"""

from __future__ import annotations

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text

EMBEDDING_DIMENSION = "embedding_dimension"


def alembic_config(
    connection: Connection | None = None, embedding_dimension: int | None = None
) -> Config:
    config = Config()
    config.set_main_option("script_location", "stack_db:migrations")
    config.attributes["connection"] = connection
    config.attributes[EMBEDDING_DIMENSION] = embedding_dimension
    return config


def migration_embedding_dimension() -> int:
    """Inside a migration: the dimension of document.embedding for this run."""
    dimension = context.config.attributes.get(EMBEDDING_DIMENSION)
    if not isinstance(dimension, int):
        raise RuntimeError("run the migrations through db-init, which passes EMBEDDING_DIMENSION")
    return dimension


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revision(revision: str) -> bool:
    """Whether a migration file has this revision."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine, embedding_dimension: int) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection, embedding_dimension), "head")


def downgrade_to(engine: Engine, revision: str, embedding_dimension: int) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection, embedding_dimension), revision)


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
