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

from stack_db.config import ConfigurationError, load_settings
from stack_db.engine import create_db_engine
from stack_db.migrate import (
    current_revision,
    embedding_column_dimension,
    head_revision,
    upgrade_to_head,
)
from stack_db.settings import DatabaseSettings

log = logging.getLogger("db-init")

EXIT_CONFIGURATION = 2
EXIT_FAILURE = 1


class InitError(Exception):
    """db-init cannot go on; the message says why and what to do."""


def wait_for_database(
    engine: Engine, timeout_seconds: float, first_delay: float = 0.5, max_delay: float = 5.0
) -> int:
    """Retry `SELECT 1` with exponential back-off until it works or time runs out.

    Returns the number of attempts it took.
    """
    deadline = time.monotonic() + timeout_seconds
    delay = first_delay
    attempt = 0
    while True:
        attempt += 1
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return attempt
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise InitError(
                    f"database not reachable after {attempt} attempts in "
                    f"{timeout_seconds:.0f}s: {reason} (check POSTGRES_HOST/POSTGRES_PORT "
                    "and that the db service is healthy)"
                ) from exc
            pause = min(delay, remaining)
            log.info(
                "database not ready (attempt %d): %s; retrying in %.1fs", attempt, reason, pause
            )
            time.sleep(pause)
            delay = min(delay * 2, max_delay)


def check_embedding_dimension(engine: Engine, expected: int) -> None:
    actual = embedding_column_dimension(engine)
    if actual is not None and actual != expected:
        raise InitError(
            f"EMBEDDING_DIMENSION is {expected} but the existing document.embedding column "
            f"has {actual} dimensions: set EMBEDDING_DIMENSION={actual}, or migrate the "
            "column (or start from an empty database volume)"
        )


def run(settings: DatabaseSettings) -> None:
    engine = create_db_engine(settings, application_name="db-init")
    try:
        attempts = wait_for_database(engine, settings.db_init_timeout_seconds)
        log.info("database reachable after %d attempt(s)", attempts)
        check_embedding_dimension(engine, settings.embedding_dimension)
        before = current_revision(engine)
        upgrade_to_head(engine)
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
    try:
        settings = load_settings(DatabaseSettings)
    except ConfigurationError as exc:
        print(f"db-init: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIGURATION)
    try:
        run(settings)
    except (InitError, OperationalError) as exc:
        print(f"db-init: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_FAILURE)
    log.info("done")


if __name__ == "__main__":
    main()
