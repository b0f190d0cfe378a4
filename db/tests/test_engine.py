from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from sqlmodel import Session
from stack_db import engine as engine_module
from stack_db.database_settings import DatabaseSettings
from stack_db.engine import create_db_engine, create_session_factory, is_transient


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


def connect_args_of(monkeypatch: pytest.MonkeyPatch, **options: bool) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(engine_module, "create_engine", lambda url, **kw: seen.update(kw))
    create_db_engine(make_settings(), **options)
    connect_args: dict[str, Any] = seen["connect_args"]
    return connect_args


def test_statements_are_bounded_and_dead_peers_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    connect_args = connect_args_of(monkeypatch)
    assert connect_args["options"] == "-c statement_timeout=30000"
    assert connect_args["keepalives"] == 1
    assert connect_args["keepalives_idle"] == 10
    # Migrations may build an index for long: db-init's engine has no limit.
    unlimited = connect_args_of(monkeypatch, limit_statements=False)
    assert unlimited["options"] == "-c statement_timeout=0"
    unflushed = connect_args_of(monkeypatch, wait_for_flush=False)
    assert unflushed["options"] == "-c statement_timeout=30000 -c synchronous_commit=off"


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (OperationalError("SELECT 1", None, Exception("server closed the connection")), True),
        (InterfaceError("SELECT 1", None, Exception("connection already closed")), True),
        (DBAPIError("SELECT 1", None, Exception("x"), connection_invalidated=True), True),
        (ProgrammingError("SELECT x", None, Exception("no such column")), False),
        (IntegrityError("INSERT", None, Exception("duplicate key")), False),
        (ValueError("not a database error"), False),
    ],
)
def test_which_errors_are_transient(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient
