"""One logging set-up for the API and the worker.

Everything logs through the standard library (uvicorn, Celery and the other
libraries do), and structlog renders each record, as text for people or as
JSON for machines (`LOG_FORMAT`), with the same fields in both: `timestamp`,
`level`, `logger`, `event` (the message), and, when there is one, the
`request_id` of the HTTP request being served or that queued the running task,
and the `task_id` of the running task. So one `grep` of a request id finds the
API's and the worker's lines for it (docs/dev/observability.md).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, Literal

import structlog
from asgi_correlation_id import correlation_id

LogFormat = Literal["text", "json"]
# Extra fields from the process's own context (the worker: the running task's id).
ContextFields = Callable[[], Mapping[str, str]]


def _with_ids(fields: ContextFields | None) -> structlog.types.Processor:
    def add_ids(
        logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        request_id = correlation_id.get()
        if request_id:
            event_dict.setdefault("request_id", request_id)
        for name, value in (fields() if fields else {}).items():
            event_dict.setdefault(name, value)
        return event_dict

    return add_ids


def render_text(logger: Any, method: str, event_dict: MutableMapping[str, Any]) -> str:
    """`timestamp [level    ] event [logger] key=value ...`, then the traceback
    if there is one: the layout of structlog's ConsoleRenderer without colours,
    at a third of its cost, which under load was a tenth of the API's time per
    request (its access-log line; docs/dev/performance.md)."""
    timestamp = event_dict.pop("timestamp", "")
    level = event_dict.pop("level", "")
    event = event_dict.pop("event", "")
    name = event_dict.pop("logger", "")
    exception = event_dict.pop("exception", None)
    extra = "".join(f" {key}={event_dict[key]}" for key in sorted(event_dict))
    line = f"{timestamp} [{level:<9}] {event!s:<40} [{name}]{extra}"
    return f"{line}\n{exception}" if exception else line


def formatter(log_format: LogFormat, fields: ContextFields | None = None) -> logging.Formatter:
    """A stdlib formatter that renders a record the stack's way."""
    shared: list[structlog.types.Processor] = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _with_ids(fields),
    ]
    renderer = structlog.processors.JSONRenderer() if log_format == "json" else render_text
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def configure(level: str, log_format: LogFormat, fields: ContextFields | None = None) -> None:
    """The root logger writes every record to stdout, rendered; the loggers
    of uvicorn and Celery pass theirs up to it."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter(log_format, fields))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
