"""`stack-api`: load the settings (failing with a clear message), then serve."""

from __future__ import annotations

import logging
import sys

import uvicorn
from stack_db.config import ConfigurationError, load_settings
from stack_db.settings import DatabaseSettings

from stack_backend.main import create_app
from stack_backend.settings import ApiSettings


def main() -> None:
    try:
        settings = load_settings(ApiSettings)
        database = load_settings(DatabaseSettings)
    except ConfigurationError as exc:
        sys.exit(f"stack-api: error: {exc}")
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    uvicorn.run(
        create_app(settings, database),
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
