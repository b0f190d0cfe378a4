"""Tables. The schema itself is owned by the Alembic migrations."""

from __future__ import annotations

from datetime import datetime

from pgvector.sqlalchemy import Vector
from sqlalchemy import Column, DateTime, String, func
from sqlmodel import Field, SQLModel


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    content: str
    # The column's dimension is set by the migration from EMBEDDING_DIMENSION;
    # the Python side only needs to know that it is a vector.
    embedding: list[float] = Field(sa_column=Column(Vector(), nullable=False))
    # The task that stored it, if any: a redelivered task finds its row instead of
    # storing a second one.
    task_id: str | None = Field(default=None, sa_column=Column(String(64), unique=True))
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
