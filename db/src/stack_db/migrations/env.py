"""Alembic environment: db-init hands us an open connection; the `alembic`
command line gets one from DatabaseSettings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import stack_db.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from stack_db.engine import create_db_engine
from stack_db.settings import DatabaseSettings


def run_migrations() -> None:
    if context.is_offline_mode():
        # `alembic upgrade head --sql`: print the SQL instead of running it.
        url = DatabaseSettings().sqlalchemy_url
        context.configure(url=url, target_metadata=SQLModel.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_db_engine(DatabaseSettings(), application_name="alembic")
    with engine.connect() as new_connection:
        _migrate(new_connection)
    engine.dispose()


def _migrate(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=SQLModel.metadata)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
