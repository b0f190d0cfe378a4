"""The migrations and db-init against a real Postgres with pgvector."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine, text
from stack_db import db_init
from stack_db.database_settings import DatabaseSettings
from stack_db.migrate import (
    current_revision,
    downgrade_to,
    embedding_column_dimension,
    head_revision,
    upgrade_to_head,
)

SCHEMA = """
SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
  FROM information_schema.columns WHERE table_name IN ('document', 'task_record')
UNION ALL SELECT 'index ' || indexdef FROM pg_indexes
  WHERE tablename IN ('document', 'task_record')
UNION ALL SELECT 'constraint ' || conname FROM pg_constraint
  WHERE conrelid IN (to_regclass('document'), to_regclass('task_record'))
UNION ALL SELECT 'extension ' || extname FROM pg_extension WHERE extname = 'vector'
ORDER BY 1
"""


def schema(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text(SCHEMA)).scalars())


def test_upgrade_downgrade_and_upgrade_again(engine: Engine) -> None:
    upgrade_to_head(engine, embedding_dimension=3)
    assert current_revision(engine) == head_revision() == "0003"
    assert embedding_column_dimension(engine) == 3
    created = schema(engine)
    assert "constraint uq_document_task_id" in created
    assert any("USING hnsw (embedding vector_l2_ops)" in line for line in created)
    assert "column task_record.state character varying NO" in created
    assert any("ix_task_record_unfinished" in line for line in created)

    downgrade_to(engine, "0002", embedding_dimension=3)
    assert current_revision(engine) == "0002"
    assert not any("task_record" in line for line in schema(engine))

    downgrade_to(engine, "0001", embedding_dimension=3)
    assert current_revision(engine) == "0001"
    assert "constraint uq_document_task_id" not in schema(engine)

    downgrade_to(engine, "base", embedding_dimension=3)
    assert current_revision(engine) is None
    assert embedding_column_dimension(engine) is None

    upgrade_to_head(engine, embedding_dimension=3)
    assert schema(engine) == created


def test_a_dimension_past_the_hnsw_limit_gets_no_index(engine: Engine) -> None:
    upgrade_to_head(engine, embedding_dimension=2001)
    assert embedding_column_dimension(engine) == 2001
    assert not any(line.startswith("index") and "hnsw" in line for line in schema(engine))


def test_a_second_db_init_changes_nothing(
    engine: Engine, database_settings: DatabaseSettings, caplog: pytest.LogCaptureFixture
) -> None:
    db_init.run(database_settings)
    first = schema(engine)
    with caplog.at_level(logging.INFO, logger="db-init"):
        db_init.run(database_settings)
    assert schema(engine) == first
    assert current_revision(engine) == head_revision()
    assert "schema already at revision 0003; nothing to do" in caplog.messages


def test_db_init_refuses_a_dimension_the_column_does_not_have(
    engine: Engine, database_settings: DatabaseSettings
) -> None:
    db_init.run(database_settings)
    other = database_settings.model_copy(update={"embedding_dimension": 5})
    with pytest.raises(db_init.InitError, match=r"EMBEDDING_DIMENSION is 5 but .* has 3"):
        db_init.run(other)
