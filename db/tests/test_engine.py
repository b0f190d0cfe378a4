from __future__ import annotations

from sqlmodel import Session
from stack_db.database_settings import DatabaseSettings
from stack_db.engine import create_db_engine, create_session_factory


def make_settings() -> DatabaseSettings:
    return DatabaseSettings(postgres_password="x", db_pool_size=3, db_pool_max_overflow=2)


def test_engine_uses_psycopg3_and_detects_stale_connections() -> None:
    engine = create_db_engine(make_settings(), application_name="test")
    try:
        assert engine.dialect.driver == "psycopg"
        assert engine.pool._pre_ping is True  # type: ignore[attr-defined]
        assert engine.pool.size() == 3  # type: ignore[attr-defined]
        assert engine.pool._max_overflow == 2  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_session_factory_makes_sqlmodel_sessions_bound_to_the_engine() -> None:
    engine = create_db_engine(make_settings())
    with create_session_factory(engine)() as session:
        assert isinstance(session, Session)
        assert session.get_bind() is engine
    engine.dispose()
