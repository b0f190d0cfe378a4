"""Tables. The schema itself is owned by the Alembic migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import Column, DateTime, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class Document(SQLModel, table=True):
    # As migration 0001 creates it (when EMBEDDING_DIMENSION is at most 2000),
    # so that autogenerate (`just migration`) sees no difference.
    __table_args__ = (
        Index(
            "ix_document_embedding_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_l2_ops"},
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    content: str = Field(sa_column=Column(Text, nullable=False))
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


class TaskRecord(SQLModel, table=True):
    """A task the API accepted, and its outcome (stack_db.task_records)."""

    __tablename__ = "task_record"
    # As migration 0003 makes it, so that autogenerate sees no difference: the
    # sweeper's question, which unfinished tasks were last published long ago.
    __table_args__ = (
        Index(
            "ix_task_record_unfinished",
            "published_at",
            postgresql_where=text("state = 'PENDING'"),
        ),
    )

    task_id: str = Field(sa_column=Column(String(64), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    args: list[Any] = Field(sa_column=Column(JSONB, nullable=False))
    idempotency_key: str | None = Field(default=None, sa_column=Column(String(200), unique=True))
    state: str = Field(
        default="PENDING",
        sa_column=Column(String(16), nullable=False, server_default="PENDING"),
    )
    result: Any = Field(default=None, sa_column=Column(JSONB, nullable=True))
    worker: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    published_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    publish_count: int = Field(
        default=1, sa_column=Column(Integer, nullable=False, server_default="1")
    )
    finished_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
