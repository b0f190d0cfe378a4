"""The SQLAlchemy engine and session factory (SQLModel over psycopg 3)."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from stack_db.database_settings import DatabaseSettings


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
