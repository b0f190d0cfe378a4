"""The SQLAlchemy engine and session factory (SQLModel over psycopg 3)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from stack_db.settings import DatabaseSettings


def create_db_engine(settings: DatabaseSettings, application_name: str = "stack") -> Engine:
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
        },
    )


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, class_=Session, expire_on_commit=False)


@dataclass(frozen=True)
class DatabaseStatus:
    reachable: bool
    vector_version: str | None
    error: str | None = None


def check_database(engine: Engine) -> DatabaseStatus:
    """One round trip: is the database up, and which pgvector does it have?"""
    try:
        with engine.connect() as connection:
            version = connection.execute(
                text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            ).scalar_one_or_none()
    except Exception as exc:
        return DatabaseStatus(reachable=False, vector_version=None, error=_one_line(exc))
    return DatabaseStatus(reachable=True, vector_version=version)


def _one_line(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0] if first else ''}".strip()
