"""task_record: every task the API accepted, written before it answers 202 (the
outbox), and its outcome, written by the worker in the same transaction as the
task's effect. Postgres, not Redis, is where a task's fate is known.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No sequence (the key is the task id), so a role with only SELECT, INSERT
    # and UPDATE on the table can use it.
    op.create_table(
        "task_record",
        sa.Column("task_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("args", JSONB, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True, unique=True),
        sa.Column("state", sa.String(16), nullable=False, server_default="PENDING"),
        sa.Column("result", JSONB, nullable=True),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("publish_count", sa.Integer, nullable=False, server_default="1"),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    # The sweeper's question: which unfinished tasks were last published long ago?
    op.create_index(
        "ix_task_record_unfinished",
        "task_record",
        ["published_at"],
        postgresql_where=sa.text("state = 'PENDING'"),
    )


def downgrade() -> None:
    op.drop_index("ix_task_record_unfinished", table_name="task_record")
    op.drop_table("task_record")
