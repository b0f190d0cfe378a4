"""The vector extension and the document table.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

from stack_db.migrate import migration_embedding_dimension

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# pgvector's HNSW index covers vectors of up to 2000 dimensions.
HNSW_MAX_DIMENSION = 2000


def upgrade() -> None:
    dimension = migration_embedding_dimension()
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("embedding", Vector(dimension), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
    )
    if dimension <= HNSW_MAX_DIMENSION:
        op.create_index(
            "ix_document_embedding_hnsw",
            "document",
            ["embedding"],
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_l2_ops"},
        )


def downgrade() -> None:
    op.drop_table("document")
