"""The SQLAlchemy engine and session factory (SQLModel over psycopg 3)."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from stack_db.database_settings import DatabaseSettings


def create_db_engine(
    settings: DatabaseSettings,
    application_name: str = "stack",
    *,
    limit_statements: bool = True,
    wait_for_flush: bool = True,
) -> Engine:
    """The pooled engine. `limit_statements=False` (db-init's migrations, which
    may build an index for minutes) leaves out the statement timeout.
    `wait_for_flush=False` commits without waiting for the WAL to reach the
    disk (`synchronous_commit=off`): a Postgres crash may then undo the last
    fraction of a second of commits, all of each or none, never half of one.
    Only for writes that are safe to lose that way (docs/architecture.md)."""
    timeout_ms = int(settings.db_statement_timeout_seconds * 1000) if limit_statements else 0
    options = f"-c statement_timeout={timeout_ms}"
    if not wait_for_flush:
        options += " -c synchronous_commit=off"
    return create_engine(
        settings.sqlalchemy_url,
        # A pooled connection can be dead after Postgres restarts; test it on checkout.
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_recycle=1800,
        connect_args={
            "connect_timeout": settings.db_connect_timeout_seconds,
            "application_name": application_name,
            # A statement that runs longer is cancelled by the server, so a
            # lock or a slow plan cannot hold a request or a task forever.
            "options": options,
            # TCP keepalives: a connection to a Postgres that vanished (host
            # gone, network cut) fails in about 20 s instead of hanging for
            # the kernel's two hours.
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 2,
        },
    )


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, class_=Session, expire_on_commit=False)


def is_transient(error: BaseException) -> bool:
    """An error that says the database could not be reached or the connection
    broke (restart, network cut, statement timeout), not that the statement is
    wrong: worth trying again."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError | InterfaceError)
