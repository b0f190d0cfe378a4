"""Two Postgres roles: the owner, which db-init migrates as, and the application
role of the API and the worker, which reads and writes rows and cannot create,
alter or drop a table, under a statement_timeout of its own."""

from __future__ import annotations

import time

import pytest
from harness import Outcome, Stack, run_task, wait_all_healthy
from python_on_whales import DockerException


def as_application_role(stack: Stack, sql: str) -> Outcome:
    """One statement as the application role, over TCP as the services log in."""
    script = 'PGPASSWORD="$1" exec psql --no-psqlrc -h 127.0.0.1 -U "$2" -d "$3" -tAq -c "$4"'
    settings = stack.settings
    try:
        stdout = stack.exec(
            "db",
            "bash",
            "-c",
            script + " 2>&1",
            "-",
            settings["POSTGRES_APP_PASSWORD"],
            settings["POSTGRES_APP_USER"],
            settings["POSTGRES_DB"],
            sql,
        )
    except DockerException as error:
        return Outcome(error.return_code, (error.stdout or "").strip(), error.stderr or "")
    return Outcome(0, stdout.strip(), "")


def test_the_api_and_the_worker_log_in_as_the_application_role(stack: Stack) -> None:
    assert run_task(stack, "/tasks/nearest", {"content": "roles", "embedding": [2, 2, 2]})
    assert stack.wait_for("/health").json()["status"] == "ok"
    logins = stack.psql(
        "SELECT DISTINCT application_name || '=' || usename FROM pg_stat_activity "
        "WHERE application_name IN ('stack-api-health', 'stack-worker') ORDER BY 1"
    ).split()
    app_user = stack.settings["POSTGRES_APP_USER"]
    assert logins == [f"stack-api-health={app_user}", f"stack-worker={app_user}"]
    owner = stack.psql("SELECT tableowner FROM pg_tables WHERE tablename = 'document'")
    assert owner == stack.settings["POSTGRES_USER"]


def test_the_application_role_reads_and_writes_rows(stack: Stack) -> None:
    written = as_application_role(
        stack,
        "INSERT INTO document (content, embedding) VALUES ('by the app role', '[0,0,1]') "
        "RETURNING id",
    )
    assert written.returncode == 0, written
    deleted = as_application_role(stack, f"DELETE FROM document WHERE id = {written.stdout}")
    assert deleted.returncode == 0, deleted


@pytest.mark.parametrize(
    "ddl",
    [
        "CREATE TABLE intruder (id int)",
        "ALTER TABLE document ADD COLUMN intruder int",
        "DROP TABLE document",
        "TRUNCATE document",
        "CREATE SCHEMA intruder",
        "CREATE TEMPORARY TABLE intruder (id int)",
    ],
)
def test_the_application_role_is_refused_ddl(stack: Stack, ddl: str) -> None:
    refused = as_application_role(stack, ddl)
    assert refused.returncode != 0, f"{ddl} was allowed"
    assert "permission denied" in refused.stdout or "must be owner" in refused.stdout, refused


def test_the_application_role_has_its_statement_timeout(stack: Stack) -> None:
    """The infra stack sets a short one (conftest.py), so that it shows in seconds."""
    timeout = stack.settings["POSTGRES_APP_STATEMENT_TIMEOUT"]
    assert as_application_role(stack, "SHOW statement_timeout").stdout == timeout
    started = time.monotonic()
    cancelled = as_application_role(stack, "SELECT pg_sleep(30)")
    assert "canceling statement due to statement timeout" in cancelled.stdout, cancelled
    print(
        f"\npg_sleep(30) as the application role cancelled after {time.monotonic() - started:.1f}s"
    )
    assert time.monotonic() - started < 20


def test_a_volume_made_before_the_application_role_gets_it_at_its_next_start(
    stack: Stack,
) -> None:
    """The volume as the stack left it before it had two roles: the owner alone,
    its tables, CONNECT for everyone. The next start of `db` adds the role once,
    with its grants on the tables already there; nobody runs a step by hand."""
    app_user, database = stack.settings["POSTGRES_APP_USER"], stack.settings["POSTGRES_DB"]
    stack.psql(f'DROP OWNED BY "{app_user}"')
    stack.psql(f'DROP ROLE "{app_user}"')
    stack.psql(f'GRANT CONNECT ON DATABASE "{database}" TO PUBLIC')
    stack.exec("db", "bash", "-c", 'rm "$PGDATA/stack-application-role"')
    assert as_application_role(stack, "SELECT 1").returncode != 0

    stack.compose.restart("db")
    wait_all_healthy(stack)
    logs = stack.compose.logs(["db"])
    assert f"adding the application role {app_user} to this volume" in logs
    assert run_task(stack, "/tasks/nearest", {"content": "upgraded", "embedding": [3, 3, 3]})
    assert as_application_role(stack, "SELECT count(*) > 0 FROM document").stdout == "t"
    assert as_application_role(stack, "CREATE TABLE intruder (id int)").returncode != 0
    assert (
        as_application_role(stack, "SHOW statement_timeout").stdout
        == (stack.settings["POSTGRES_APP_STATEMENT_TIMEOUT"])
    )

    stack.compose.restart("db")
    wait_all_healthy(stack)
    assert stack.compose.logs(["db"]).count("adding the application role") == 1
