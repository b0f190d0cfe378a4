"""Shared by every package's unit tests: a clean environment for settings."""

from __future__ import annotations

import os

import pytest

# Variables the settings classes read; a developer's shell or .env must not leak in.
_PREFIXES = (
    "APP_",
    "POSTGRES_",
    "DATABASE_",
    "DB_",
    "REDIS_",
    "EMBEDDING_",
    "API_",
    "WORKER_",
    "TASK_",
    "LOG_",
    "HEALTH_",
)


@pytest.fixture(autouse=True)
def isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for name in list(os.environ):
        if name.startswith(_PREFIXES):
            monkeypatch.delenv(name)
    # Settings read `.env` from the working directory: run from an empty one.
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
