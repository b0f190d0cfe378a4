"""Fresh volumes, several times in a row: `down -v` then `up --wait` never
fails, and nothing is healthy before Postgres takes the application user's
TCP connections. Runs last: it deletes the stack's data."""

from __future__ import annotations

import time

from harness import Stack


def test_down_v_then_up_wait_repeatedly(stack: Stack) -> None:
    for attempt in range(3):
        stack.down(volumes=True)
        started = time.monotonic()
        stack.up()
        seconds = time.monotonic() - started
        # The application user, over TCP, with its password: what "healthy" promises.
        stack.exec(
            "db",
            "bash",
            "-c",
            'PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U "$POSTGRES_USER" '
            '-d "$POSTGRES_DB" -tAc "SELECT 1"',
        )
        assert stack.psql("SELECT count(*) FROM document") == "0"
        assert stack.wait_for("/health", timeout=30).json()["status"] == "ok"
        print(f"\nfresh volumes, attempt {attempt + 1}: up --wait took {seconds:.1f}s")
