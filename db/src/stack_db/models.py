"""Tables. The schema itself is owned by the Alembic migrations."""

from __future__ import annotations

from datetime import datetime

from pgvector.sqlalchemy import Vector
from sqlalchemy import Column, DateTime, Index, String, Text, func
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
