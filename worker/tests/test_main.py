from __future__ import annotations

import importlib
import sys
from unittest.mock import patch

import pytest


def import_main() -> object:
    sys.modules.pop("stack_worker.main", None)
    return importlib.import_module("stack_worker.main")


def test_worker_app_registers_its_tasks_and_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", "x")
    monkeypatch.setenv("WORKER_HEARTBEAT_SECONDS", "7")
    main = import_main()
    app = main.app  # type: ignore[attr-defined]
    app.loader.import_default_modules()
    assert {"stack.ping", "stack.store_and_find_nearest"} <= set(app.tasks)
    assert app.conf.stack_worker_heartbeat_seconds == 7.0
    assert any(step.__name__ == "WorkerHeartbeat" for step in app.steps["consumer"])
    with patch.object(app, "worker_main") as worker_main:
        main.main()  # type: ignore[attr-defined]
    assert worker_main.call_args.args[0] == ["worker", "--loglevel=INFO"]


def test_worker_refuses_to_start_without_its_settings() -> None:
    with pytest.raises(SystemExit, match=r"worker: error: (.|\n)*REDIS_PASSWORD is not set"):
        import_main()
