"""`db-init`: wait for Postgres, apply migrations, check the schema matches the settings.

Idempotent: on an up-to-date database it changes nothing and exits 0. Any failure
ends with one line on stderr starting `db-init: error:` and a non-zero exit.
"""

from __future__ import annotations

import logging
import sys
import time

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_delay
from tenacity.wait import wait_exponential

from stack_db.base_settings import load_or_exit
from stack_db.database_settings import DatabaseSettings
from stack_db.engine import create_db_engine
from stack_db.migrate import (
    current_revision,
    embedding_column_dimension,
    head_revision,
    known_revision,
    upgrade_to_head,
)

log = logging.getLogger("db-init")

PROGRAM = "db-init"
EXIT_FAILURE = 1


class InitError(Exception):
    """db-init cannot go on; the message says why and what to do."""


def _first_line(exc: BaseException) -> str:
    cause = exc.orig if isinstance(exc, OperationalError) and exc.orig else exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def wait_for_database(
    engine: Engine, timeout_seconds: float, first_delay: float = 0.5, max_delay: float = 5.0
) -> int:
    """Retry `SELECT 1` with exponential back-off until it works or time runs out.

    Returns the number of attempts it took.
    """

    def log_retry(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        pause = state.next_action.sleep if state.next_action else 0.0
        log.info(
            "database not ready (attempt %d): %s; retrying in %.1fs",
            state.attempt_number,
            _first_line(error) if error else "?",
            pause,
        )

    retrying = Retrying(
        retry=retry_if_exception_type(OperationalError),
        stop=stop_after_delay(timeout_seconds),
        wait=wait_exponential(multiplier=first_delay, max=max_delay),
        before_sleep=log_retry,
        sleep=time.sleep,
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt, engine.connect() as connection:
                connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        attempts = retrying.statistics.get("attempt_number", 1)
        raise InitError(
            f"database not reachable after {attempts} attempts in "
            f"{timeout_seconds:.0f}s: {_first_line(exc)} (check POSTGRES_HOST/POSTGRES_PORT "
            "and that the db service is healthy)"
        ) from exc
    return int(retrying.statistics["attempt_number"])


def check_embedding_dimension(engine: Engine, expected: int) -> None:
    actual = embedding_column_dimension(engine)
    if actual is not None and actual != expected:
        raise InitError(
            f"EMBEDDING_DIMENSION is {expected} but the existing document.embedding column "
            f"has {actual} dimensions: set EMBEDDING_DIMENSION={actual}, or migrate the "
            "column (or start from an empty database volume)"
        )


def run(settings: DatabaseSettings) -> None:
    engine = create_db_engine(settings, application_name="db-init", limit_statements=False)
    try:
        attempts = wait_for_database(engine, settings.db_init_timeout_seconds)
        log.info("database reachable after %d attempt(s)", attempts)
        check_embedding_dimension(engine, settings.embedding_dimension)
        before = current_revision(engine)
        if before is not None and not known_revision(before):
            raise InitError(
                f"the database is at revision {before}, which no migration file has (one "
                "removed after it was applied?): put the file back, step back with `just "
                "migrate down` before removing a migration, or reset the data (just down -v)"
            )
        upgrade_to_head(engine, settings.embedding_dimension)
        after = current_revision(engine)
        if before == after:
            log.info("schema already at revision %s; nothing to do", after)
        else:
            log.info("schema migrated from %s to %s", before or "empty", after)
        if after != head_revision():
            raise InitError(f"schema is at {after}, expected {head_revision()}")
    finally:
        engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = load_or_exit(PROGRAM, DatabaseSettings)
    try:
        run(settings)
    except (InitError, OperationalError) as exc:
        print(f"{PROGRAM}: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_FAILURE)
    log.info("done")


if __name__ == "__main__":
    main()
