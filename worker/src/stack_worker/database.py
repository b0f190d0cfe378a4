"""The database of the worker's tasks.

The settings are given once, at start-up (`configure`, which
`create_worker_app` calls); the engine is created on first use, so each prefork
child opens its own pool after the fork instead of inheriting the parent's
sockets.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session
from stack_db.database_settings import DatabaseSettings
from stack_db.engine import create_db_engine, create_session_factory

_settings: DatabaseSettings | None = None


def configure(settings: DatabaseSettings) -> None:
    global _settings  # one per process, set by the entry point
    _settings = settings
    engine.cache_clear()
    session_factory.cache_clear()


@cache
def engine() -> Engine:
    if _settings is None:
        raise RuntimeError("the worker's database is not configured: call configure() first")
    # A task's outcome (with its effect) lost in a Postgres crash leaves its
    # record PENDING, and the sweeper sends it again: so the worker need not
    # wait for each commit's fsync, which would bound it to one task per fsync.
    return create_db_engine(_settings, application_name="stack-worker", wait_for_flush=False)


@cache
def session_factory() -> sessionmaker[Session]:
    return create_session_factory(engine())
