from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from stack_worker import __main__ as entry
from stack_worker import monitor


def test_worker_starts_with_its_log_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", "x")
    monkeypatch.setenv("POSTGRES_PASSWORD", "x")
    monkeypatch.setenv("LOG_LEVEL", "warning")
    monkeypatch.setenv("LOG_FORMAT", "json")
    configure = MagicMock()
    monkeypatch.setattr(entry.log_setup, "configure", configure)
    app = MagicMock()
    built: list[object] = []
    monkeypatch.setattr(entry, "create_worker_app", lambda s, d: built.append((s, d)) or app)
    entry.main()
    settings, database = built[0]  # type: ignore[misc]
    assert settings.redis_password.get_secret_value() == "x"
    assert database.postgres_password.get_secret_value() == "x"
    assert app.worker_main.call_args.args[0] == [
        "worker",
        "--loglevel=WARNING",
        "--without-mingle",
        "--without-gossip",
    ]
    configure.assert_called_once_with("warning", "json", fields=entry.running_task_id)


def test_no_task_no_task_id() -> None:
    assert entry.running_task_id() == {}


@pytest.mark.parametrize(
    ("variables", "message"),
    [({}, "REDIS_PASSWORD is not set"), ({"REDIS_PASSWORD": "x"}, "POSTGRES_PASSWORD is not set")],
)
def test_worker_refuses_to_start_without_its_settings(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variables: dict[str, str],
    message: str,
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_:
        entry.main()
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("stack-worker: error: ")
    assert message in error


def test_the_monitor_turns_task_events_on_before_flower_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", "x")
    monkeypatch.setenv("FLOWER_PASSWORD", "a-flower-password")
    monkeypatch.setenv("FLOWER_BASIC_AUTH", "")  # main sets it; put back after the test
    app = MagicMock()
    monkeypatch.setattr(monitor, "create_publisher", lambda settings, name: app)
    monitor.main()
    calls = [name for name, _, _ in app.mock_calls]
    assert calls.index("control.enable_events") < calls.index("start")
    assert app.start.call_args.args[0][0] == "flower"
