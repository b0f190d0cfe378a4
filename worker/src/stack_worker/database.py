"""The database engine of one worker process.

Created on first use, so each prefork child opens its own pool after the fork
instead of inheriting the parent's sockets.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session
from stack_db.config import load_settings
from stack_db.engine import create_db_engine, create_session_factory
from stack_db.settings import DatabaseSettings


@cache
def engine() -> Engine:
    return create_db_engine(load_settings(DatabaseSettings), application_name="stack-worker")


@cache
def session_factory() -> sessionmaker[Session]:
    return create_session_factory(engine())
