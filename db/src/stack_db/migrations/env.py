"""Alembic environment. db-init (stack_db.migrate) hands us an open connection
and the embedding dimension; the `alembic` command line gets both from the
settings, loaded the one way every entry point loads them."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import stack_db.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from stack_db.base_settings import load_or_exit
from stack_db.database_settings import DatabaseSettings
from stack_db.engine import create_db_engine
from stack_db.migrate import EMBEDDING_DIMENSION


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    settings = load_or_exit("alembic", DatabaseSettings)
    context.config.attributes[EMBEDDING_DIMENSION] = settings.embedding_dimension
    if context.is_offline_mode():
        # `alembic upgrade head --sql`: print the SQL instead of running it.
        context.configure(
            url=settings.sqlalchemy_url, target_metadata=SQLModel.metadata, literal_binds=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_db_engine(settings, application_name="alembic")
    with engine.connect() as new_connection:
        _migrate(new_connection)
    engine.dispose()


def _migrate(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=SQLModel.metadata)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
