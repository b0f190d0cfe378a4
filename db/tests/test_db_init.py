from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from sqlalchemy.exc import OperationalError
from stack_db import db_init as init
from stack_db.base_settings import EXIT_CONFIGURATION
from stack_db.database_settings import DatabaseSettings
from stack_db.migrate import alembic_config, head_revision


def refused() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("connection refused"))


def test_wait_for_database_retries_then_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(init.time, "sleep", sleeps.append)
    engine = MagicMock()
    engine.connect.side_effect = [refused(), refused(), MagicMock()]
    assert init.wait_for_database(engine, timeout_seconds=30, first_delay=0.5) == 3
    assert sleeps == [0.5, 1.0]


def test_wait_for_database_gives_up_with_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(range(0, 1000, 10))
    monkeypatch.setattr(init.time, "monotonic", lambda: float(next(clock)))
    monkeypatch.setattr(init.time, "sleep", lambda _: None)
    engine = MagicMock()
    engine.connect.side_effect = refused()
    with pytest.raises(init.InitError) as error:
        init.wait_for_database(engine, timeout_seconds=25)
    assert "database not reachable after 3 attempts" in str(error.value)
    assert "POSTGRES_HOST" in str(error.value)


def test_dimension_mismatch_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(init, "embedding_column_dimension", lambda engine: 384)
    with pytest.raises(init.InitError, match="EMBEDDING_DIMENSION is 3 but the existing"):
        init.check_embedding_dimension(MagicMock(), expected=3)
    init.check_embedding_dimension(MagicMock(), expected=384)


def test_dimension_check_passes_before_the_table_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(init, "embedding_column_dimension", lambda engine: None)
    init.check_embedding_dimension(MagicMock(), expected=3)


def test_run_hands_the_configured_dimension_to_the_migrations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    revisions = iter([None, "0003", "0003", "0003"])
    upgrades: list[int] = []
    monkeypatch.setattr(init, "create_db_engine", lambda settings, **options: MagicMock())
    monkeypatch.setattr(init, "wait_for_database", lambda engine, timeout: 1)
    monkeypatch.setattr(init, "embedding_column_dimension", lambda engine: None)
    monkeypatch.setattr(init, "current_revision", lambda engine: next(revisions))
    monkeypatch.setattr(
        init, "upgrade_to_head", lambda engine, dimension: upgrades.append(dimension)
    )
    settings = DatabaseSettings(postgres_password="x", embedding_dimension=384)
    init.run(settings)
    init.run(settings)
    assert upgrades == [384, 384]


def test_main_exits_2_on_bad_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        init.main()
    assert exit_.value.code == EXIT_CONFIGURATION
    assert "db-init: error:" in capsys.readouterr().err


def test_main_exits_1_when_the_database_stays_down(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POSTGRES_PASSWORD", "x")

    def fail(settings: DatabaseSettings) -> None:
        raise init.InitError("database not reachable after 9 attempts")

    monkeypatch.setattr(init, "run", fail)
    with pytest.raises(SystemExit) as exit_:
        init.main()
    assert exit_.value.code == init.EXIT_FAILURE
    assert capsys.readouterr().err.strip() == (
        "db-init: error: database not reachable after 9 attempts"
    )


def test_migrations_ship_with_the_package() -> None:
    assert head_revision() == "0003"
    assert alembic_config().get_main_option("script_location") == "stack_db:migrations"


def test_offline_sql_creates_the_extension_and_a_sized_vector_column(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic import command

    monkeypatch.setenv("POSTGRES_PASSWORD", "x")
    monkeypatch.setenv("EMBEDDING_DIMENSION", "384")
    command.upgrade(alembic_config(), "head", sql=True)
    sql = capsys.readouterr().out
    assert "CREATE EXTENSION IF NOT EXISTS vector" in sql
    assert "embedding VECTOR(384) NOT NULL" in sql
    assert "USING hnsw" in sql


def test_a_revision_no_file_has_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(init, "create_db_engine", lambda settings, **options: MagicMock())
    monkeypatch.setattr(init, "wait_for_database", lambda engine, timeout: 1)
    monkeypatch.setattr(init, "embedding_column_dimension", lambda engine: None)
    monkeypatch.setattr(init, "current_revision", lambda engine: "0099")
    upgrade = MagicMock()
    monkeypatch.setattr(init, "upgrade_to_head", upgrade)
    with pytest.raises(init.InitError, match="at revision 0099, which no migration file has"):
        init.run(DatabaseSettings(postgres_password="x"))
    upgrade.assert_not_called()


def test_known_revisions() -> None:
    from stack_db.migrate import known_revision

    assert known_revision("0001")
    assert not known_revision("0099")
