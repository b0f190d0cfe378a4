"""`just backup` and `just restore`, run as a developer runs them but pointed at
the infra stack: a backup, a change, a restore, and the old data is back; a
file that is not a dump of this database is refused with a clear message."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

from harness import ROOT, Stack


def just(stack: Stack, backups: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [shutil.which("just") or "just", *args],
        cwd=ROOT,
        env={**os.environ, **stack.environment(), "BACKUPS_DIR": str(backups)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def contents(stack: Stack, marker: str) -> list[str]:
    rows = stack.psql(f"SELECT content FROM document WHERE content LIKE '{marker}%' ORDER BY 1")
    return rows.split()


def test_a_restore_brings_back_the_data_of_the_backup(stack: Stack, tmp_path: Path) -> None:
    marker = f"backup-{uuid.uuid4().hex[:8]}"
    insert = "INSERT INTO document (content, embedding) VALUES ('{}', '[1,2,3]')"
    stack.psql(insert.format(f"{marker}-kept"))
    backed_up = just(stack, tmp_path, "backup")
    assert backed_up.returncode == 0, backed_up.stderr
    [dump] = tmp_path.glob("*.dump")
    assert f"backed up database '{stack.settings['POSTGRES_DB']}' to {dump}" in backed_up.stdout

    stack.psql(insert.format(f"{marker}-after"))
    stack.psql(f"DELETE FROM document WHERE content = '{marker}-kept'")
    assert contents(stack, marker) == [f"{marker}-after"]

    unconfirmed = just(stack, tmp_path, "restore", str(dump))  # no terminal to ask on
    assert unconfirmed.returncode == 2
    assert "add --yes to restore without asking" in unconfirmed.stderr
    assert contents(stack, marker) == [f"{marker}-after"]

    restored = just(stack, tmp_path, "restore", str(dump), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert contents(stack, marker) == [f"{marker}-kept"]
    assert stack.containers("backend")[0].state.health.status == "healthy"


def test_a_file_that_is_not_a_dump_of_this_database_is_refused(
    stack: Stack, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.dump"
    garbage.write_text("not a dump\n")
    refused = just(stack, tmp_path, "restore", str(garbage), "--yes")
    assert refused.returncode == 2
    assert "is not a PostgreSQL custom-format dump" in refused.stderr

    other = tmp_path / "other.dump"
    script = 'createdb -O "$POSTGRES_USER" other_db && pg_dump --format=custom -d other_db'
    with other.open("wb") as out:
        subprocess.run(
            [*stack.command("exec", "-T", "db", "bash", "-c", script)], stdout=out, check=True
        )
    stack.exec("db", "dropdb", "other_db")
    refused = just(stack, tmp_path, "restore", str(other), "--yes")
    assert refused.returncode == 2
    assert "is a dump of database 'other_db', not of this stack's" in refused.stderr
