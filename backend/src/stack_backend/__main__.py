"""`stack-api`: load the settings (failing with a clear message), then serve."""

from __future__ import annotations

import gc
import logging

import uvicorn
from stack_db import log_setup
from stack_db.base_settings import load_or_exit
from stack_db.database_settings import DatabaseSettings

from stack_backend.app import create_app
from stack_backend.settings import ApiSettings

LIVENESS_PATH = "/health/live"
PROGRAM = "stack-api"


def main() -> None:
    settings = load_or_exit(PROGRAM, ApiSettings)
    database = load_or_exit(PROGRAM, DatabaseSettings)
    log_setup.configure(settings.log_level, settings.log_format)
    announce_access(settings)
    config = uvicorn.Config(
        create_app(settings, database),
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level.lower(),
        # uvicorn's loggers pass their records to the stack's (stack_db.log_setup).
        log_config=None,
        proxy_headers=False,
    )
    # Keep the container healthcheck's request, every few seconds, out of
    # `just logs`.
    logging.getLogger("uvicorn.access").addFilter(skip_liveness_probes)
    # What exists by now (the modules, the app and its schemas) lives as long as
    # the process: keep it out of the garbage collector's full collections, which
    # otherwise held up every request in flight for about 0.1 s, several times a
    # minute under load (docs/dev/performance.md).
    gc.collect()
    gc.freeze()
    uvicorn.Server(config).run()


def announce_access(settings: ApiSettings) -> None:
    """Say at start-up who may use the API, so an open API is never a surprise."""
    log = logging.getLogger(PROGRAM)
    if settings.api_token is None:
        log.warning(
            "API_TOKEN is not set: /tasks/*, /mcp/ and /health's details are open to anyone "
            "who can reach the API (published on %s only; set API_TOKEN to require a token)",
            settings.api_publish_address,
        )
    else:
        log.info("/tasks/* and /mcp/ require the bearer token API_TOKEN; /health/live is open")


def skip_liveness_probes(record: logging.LogRecord) -> bool:
    """False for uvicorn's access-log line of a GET /health/live."""
    args = record.args if isinstance(record.args, tuple) else ()
    return not (len(args) >= 3 and args[1] == "GET" and args[2] == LIVENESS_PATH)


if __name__ == "__main__":
    main()
