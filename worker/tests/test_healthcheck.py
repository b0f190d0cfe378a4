from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from stack_worker import healthcheck
from stack_worker.contract import BrokerSettings


def test_node_name_is_celerys_default() -> None:
    assert healthcheck.node_name("abc123") == "celery@abc123"


@pytest.mark.parametrize(
    ("replies", "healthy"),
    [
        ([{"celery@me": {"ok": "pong"}}], True),
        ([{"celery@other": {"ok": "pong"}}], False),
        ([], False),
    ],
)
def test_only_this_nodes_own_reply_counts(
    monkeypatch: pytest.MonkeyPatch, replies: list[dict[str, object]], healthy: bool
) -> None:
    app = MagicMock()
    app.control.ping.return_value = replies
    monkeypatch.setattr(healthcheck, "create_publisher", lambda broker, name: app)
    assert healthcheck.node_answers(BrokerSettings(redis_password="x"), "celery@me") is healthy
    assert app.control.ping.call_args.kwargs["destination"] == ["celery@me"]
    app.close.assert_called_once()


def test_main_exit_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        healthcheck.main([])
    assert exit_.value.code == 2
    assert "REDIS_PASSWORD is not set" in capsys.readouterr().err
    monkeypatch.setenv("REDIS_PASSWORD", "x")
    monkeypatch.setattr(healthcheck, "node_answers", lambda broker, node: False)
    with pytest.raises(SystemExit, match="did not answer a ping"):
        healthcheck.main([])
    asked: list[str] = []
    monkeypatch.setattr(healthcheck, "node_answers", lambda broker, node: not asked.append(node))
    healthcheck.main(["--node", "celery@other"])
    assert asked == ["celery@other"]
    assert "celery@other ok" in capsys.readouterr().out
