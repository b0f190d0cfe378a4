from __future__ import annotations

import json
import logging
import sys

import pytest
from asgi_correlation_id import correlation_id
from stack_db import log_setup


def record(message: str, *args: object, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("stack.test", level, __file__, 1, message, args, None)


def failure_record() -> logging.LogRecord:
    """An ERROR record with the ValueError being handled."""
    try:
        raise ValueError("broken")
    except ValueError:
        return logging.LogRecord(
            "stack.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )


@pytest.fixture
def request_id() -> str:
    token = correlation_id.set("4f1c2d")
    yield "4f1c2d"
    correlation_id.reset(token)


def test_json_lines_carry_the_ids_in_effect(request_id: str) -> None:
    formatter = log_setup.formatter("json", fields=lambda: {"task_id": "t-1"})
    line = json.loads(formatter.format(record("stored %d rows", 3)))
    assert line["event"] == "stored 3 rows"
    assert line["level"] == "info"
    assert line["logger"] == "stack.test"
    assert line["request_id"] == request_id
    assert line["task_id"] == "t-1"
    assert line["timestamp"].endswith("Z")


def test_text_lines_have_the_same_fields(request_id: str) -> None:
    line = log_setup.formatter("text").format(record("stored %d rows", 3, level=logging.WARNING))
    assert "stored 3 rows" in line
    assert "[warning" in line
    assert "[stack.test]" in line
    assert f"request_id={request_id}" in line


def test_a_text_line_is_laid_out_for_people(request_id: str) -> None:
    formatter = log_setup.formatter("text", fields=lambda: {"task_id": "t-1"})
    line = formatter.format(record("stored %d rows", 3))
    timestamp, rest = line.split(" ", 1)
    assert timestamp.endswith("Z")
    assert rest == (
        f"[info     ] {'stored 3 rows':<40} [stack.test] request_id={request_id} task_id=t-1"
    )


def test_an_exception_follows_its_text_line() -> None:
    failed = failure_record()
    first, *traceback = log_setup.formatter("text").format(failed).splitlines()
    assert first.endswith("[stack.test]")
    assert traceback[0].startswith("Traceback")
    assert traceback[-1] == "ValueError: broken"


def test_no_request_no_request_id() -> None:
    line = json.loads(log_setup.formatter("json").format(record("start-up")))
    assert "request_id" not in line
    assert "task_id" not in line


def test_an_exception_is_in_the_json_line() -> None:
    failed = failure_record()
    line = json.loads(log_setup.formatter("json").format(failed))
    assert "ValueError: broken" in line["exception"]


def test_configure_sends_uvicorn_and_celery_to_the_root_handler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    uvicorn = logging.getLogger("uvicorn.access")
    monkeypatch.setattr(uvicorn, "handlers", [logging.NullHandler()])
    monkeypatch.setattr(uvicorn, "propagate", False)
    log_setup.configure("warning", "json")
    assert len(root.handlers) == 1
    assert isinstance(root.handlers[0].formatter, logging.Formatter)
    assert root.level == logging.WARNING
    assert uvicorn.handlers == []
    assert uvicorn.propagate
