"""Shared by every package's unit tests: a clean environment for settings."""

from __future__ import annotations

import os

import pytest
from stack_backend.settings import ApiSettings
from stack_db.database_settings import DatabaseSettings
from stack_worker.monitor import MonitorSettings
from stack_worker.settings import WorkerSettings

# Every variable a settings class reads (the classes the services load, and through
# them their bases); a developer's shell or .env must not leak in.
_SETTINGS_VARIABLES = frozenset(
    name.upper()
    for settings_class in (ApiSettings, DatabaseSettings, WorkerSettings, MonitorSettings)
    for name in settings_class.model_fields
)


@pytest.fixture(autouse=True)
def isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for name in list(os.environ):
        # pydantic-settings matches names in any case.
        if name.upper() in _SETTINGS_VARIABLES:
            monkeypatch.delenv(name)
    # Settings read `.env` from the working directory: run from an empty one.
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
