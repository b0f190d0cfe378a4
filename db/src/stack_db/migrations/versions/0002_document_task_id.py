"""document.task_id: the task that stored a row, so a redelivered task stores it once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("document", sa.Column("task_id", sa.String(64), nullable=True))
    op.create_unique_constraint("uq_document_task_id", "document", ["task_id"])


def downgrade() -> None:
    op.drop_constraint("uq_document_task_id", "document", type_="unique")
    op.drop_column("document", "task_id")
