"""scripts/up_progress.py: what `just up` reports while it waits."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import up_progress
from up_progress import Container, Progress, parse_ps


def row(
    service: str, state: str, health: str = "", exit_code: int = 0, id_: str = ""
) -> dict[str, object]:
    return {
        "Service": service,
        "ID": id_ or service,
        "State": state,
        "Health": health,
        "ExitCode": exit_code,
    }


def test_compose_ps_is_read_as_lines_or_as_an_array() -> None:
    rows = [row("db", "running", "healthy"), row("db-init", "exited", exit_code=0)]
    as_lines = "\n".join(json.dumps(r) for r in rows)
    assert parse_ps(as_lines) == parse_ps(json.dumps(rows))
    assert [c.service for c in parse_ps(as_lines)] == ["db", "db-init"]
    assert parse_ps("") == []


@pytest.mark.parametrize(
    ("state", "health", "exit_code", "outcome"),
    [
        ("running", "healthy", 0, "healthy"),
        ("running", "starting", 0, None),
        ("running", "", 0, None),
        ("created", "", 0, None),
        ("exited", "", 0, "done"),
        ("exited", "", 1, "failed"),
        ("running", "unhealthy", 0, "failed"),
        ("restarting", "", 1, "failed"),
    ],
)
def test_outcome(state: str, health: str, exit_code: int, outcome: str | None) -> None:
    assert Container("s", "id", state, health, exit_code).outcome == outcome


def test_each_container_is_reported_once_and_a_failure_with_its_diagnosis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        up_progress, "diagnosis", lambda container: f"    logs of {container.service}"
    )
    already = parse_ps(json.dumps([row("redis", "running", "healthy", id_="old")]))
    progress = Progress(already)
    first = progress.update(
        parse_ps(
            json.dumps(
                [row("redis", "running", "healthy", id_="old"), row("db", "running", "starting")]
            )
        )
    )
    assert first == []  # redis was healthy before; db is on its way
    settled = parse_ps(
        json.dumps(
            [row("db", "running", "healthy"), row("celery_worker", "restarting", exit_code=1)]
        )
    )
    messages = progress.update(settled)
    assert messages[0].startswith("==> celery_worker is restarting (it keeps exiting) after ")
    assert messages[0].endswith("\n    logs of celery_worker")
    assert messages[1].startswith("==> db healthy after ")
    assert progress.update(settled) == []
