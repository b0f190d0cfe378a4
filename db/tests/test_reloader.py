from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from stack_db import reloader


def package(root: Path, name: str, main: str) -> Path:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text("")
    (root / name / "__main__.py").write_text(main)
    return root


def test_dependencies_are_what_the_program_imports_outside_the_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = package(tmp_path, "probe_app", "import decimal\nimport probe_app.helper\n")
    (sources / "probe_app" / "helper.py").write_text("import fractions\n")
    monkeypatch.setenv("PYTHONPATH", str(sources))
    preload = reloader.dependencies("probe_app", sources)
    assert {"decimal", "fractions"} <= set(preload)
    assert not [name for name in preload if name.startswith("probe_app")]
    assert "__main__" not in preload


def test_a_program_that_does_not_import_gets_no_preload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = package(tmp_path, "broken_app", "this is not python\n")
    monkeypatch.setenv("PYTHONPATH", str(sources))
    assert reloader.dependencies("broken_app", sources) == []


def test_the_child_runs_the_module_as_python_dash_m(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ran"
    sources = package(
        tmp_path,
        "run_app",
        f"import sys\nopen({str(marker)!r}, 'w').write(__name__ + ' ' + sys.argv[0])\n",
    )
    monkeypatch.syspath_prepend(str(sources))
    monkeypatch.setattr(sys, "argv", ["pytest"])
    reloader.run_module("run_app")
    assert marker.read_text().startswith("__main__ ")


def test_the_child_listens_for_a_debugger_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = package(tmp_path, "debugged_app", "")
    monkeypatch.syspath_prepend(str(sources))
    monkeypatch.setattr(sys, "argv", ["pytest"])
    debugpy = MagicMock()
    monkeypatch.setitem(sys.modules, "debugpy", debugpy)
    monkeypatch.setenv(reloader.DEBUGGER_ADDRESS, "0.0.0.0:5678")
    reloader.run_module("debugged_app")
    debugpy.listen.assert_called_once_with(("0.0.0.0", 5678))


def serve_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, overlap: bool) -> list[Any]:
    """serve() through one batch of changes, with processes that are mocks."""
    started: list[Any] = []

    def process(**kwargs: Any) -> MagicMock:
        started.append(MagicMock(name=f"process {len(started)}"))
        return started[-1]

    context = MagicMock()
    context.Process.side_effect = process
    monkeypatch.setattr(reloader.multiprocessing, "get_context", lambda method: context)
    monkeypatch.setattr(reloader, "dependencies", lambda module, sources: ["decimal"])
    monkeypatch.setattr(
        reloader, "watch", lambda sources: iter([{(1, str(tmp_path / "app" / "routes.py"))}])
    )
    handlers: dict[int, Any] = {}
    monkeypatch.setattr(
        reloader.signal, "signal", lambda signum, handler: handlers.update({signum: handler})
    )
    reloader.serve("app", tmp_path, overlap)
    context.set_forkserver_preload.assert_called_once_with(["decimal"])
    assert set(handlers) == {signal.SIGTERM, signal.SIGINT}
    return started


def test_a_change_stops_the_program_and_starts_it_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old, new = serve_once(monkeypatch, tmp_path, overlap=False)
    old.terminate.assert_called_once()
    old.join.assert_called_once()  # waited for: the API holds its port
    new.start.assert_called_once()


def test_with_overlap_the_new_program_starts_while_the_old_one_finishes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old, new = serve_once(monkeypatch, tmp_path, overlap=True)
    old.terminate.assert_called_once()
    old.join.assert_not_called()  # the worker's warm shutdown goes on beside the new one
    new.start.assert_called_once()


def test_the_reloader_refuses_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(SystemExit, match="APP_ENV is production"):
        reloader.main(["stack_backend"])


def test_the_reloader_watches_the_first_pythonpath_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    serve = MagicMock()
    monkeypatch.setattr(reloader, "serve", serve)
    monkeypatch.setenv("PYTHONPATH", "/app/dev-src:/other")
    reloader.main(["--overlap", "stack_worker"])
    serve.assert_called_once_with("stack_worker", Path("/app/dev-src"), True)
