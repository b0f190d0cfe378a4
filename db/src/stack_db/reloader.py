"""`python -m stack_db.reloader MODULE`: development only.

Runs `python -m MODULE` in a child process and runs it anew whenever a Python
file under the sources changes (`just dev`: compose.dev.yaml). The API and the
worker both use it.

Why not uvicorn's own reloader: it starts each new process from nothing, so
every reload pays for importing FastAPI, FastMCP, SQLAlchemy and the rest
again (about 1.4 s on our hosts). Here the children are forked from
multiprocessing's fork server, which has imported those dependencies once: a
reload imports only the project's own modules (about 20 ms). Which modules to
preload is found by importing the program once in a throwaway process; nothing
of the project is preloaded, so every edit is seen, and a third-party registry
(SQLModel's tables, Celery's tasks) never holds an older copy of our code.

The old child is stopped with SIGTERM: uvicorn finishes the requests in flight,
Celery's warm shutdown finishes the running tasks (so no task is lost). The API
is waited for, since it holds the port; with `--overlap` (the worker) the new
child starts at once, and takes new tasks while the old one finishes.
"""

from __future__ import annotations

import argparse
import gc
import logging
import multiprocessing
import os
import runpy
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType

import watchfiles

log = logging.getLogger("stack.reloader")


# `just debug` (compose.debug.yaml) sets it: HOST:PORT for debugpy to listen on.
DEBUGGER_ADDRESS = "DEBUGPY_LISTEN"


def run_module(module: str) -> None:
    """In the child: what `python -m MODULE` does, under the debugger if asked."""
    # What the fork server preloaded lives as long as the process: out of the
    # garbage collector's sight, so that a full collection (the API makes one
    # as it starts) does not walk it: 0.18 s less per reload here.
    gc.freeze()
    address = os.environ.get(DEBUGGER_ADDRESS)
    if address:
        # Only the development image has debugpy; this module runs nowhere else.
        import debugpy

        host, _, port = address.rpartition(":")
        debugpy.listen((host, int(port)))
        log.warning("reloader: %s: debugpy listens on %s", module, address)
    sys.argv = [module]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


# Prints every module that importing the program's entry point loads.
_LIST_MODULES = (
    "import importlib, sys; importlib.import_module(sys.argv[1]); print('\\n'.join(sys.modules))"
)


def dependencies(module: str, sources: Path) -> list[str]:
    """The modules outside the project (the packages under `sources`) that
    `python -m MODULE` imports before it runs: what the fork server preloads."""
    ours = {path.name for path in sources.iterdir() if path.is_dir()} | {"__main__"}
    listed = subprocess.run(  # noqa: S603 (this Python, a fixed script)
        [sys.executable, "-c", _LIST_MODULES, f"{module}.__main__"],
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        # The program does not import yet (an edit in progress): start without
        # a preload; its own error shows when the child starts.
        log.warning("reloader: no preload, %s does not import", module)
        return []
    return [name for name in listed.stdout.split() if name.partition(".")[0] not in ours]


def start(context: multiprocessing.context.ForkServerContext, module: str) -> BaseProcess:
    process = context.Process(target=run_module, args=(module,), name=module)
    process.start()
    return process


def watch(sources: Path) -> Iterator[set[tuple[watchfiles.Change, str]]]:
    """Each batch of changes to .py files under the sources (a deletion included)."""
    yield from watchfiles.watch(sources, watch_filter=watchfiles.PythonFilter(), step=20)


def serve(module: str, sources: Path, overlap: bool) -> None:
    preload = dependencies(module, sources)
    log.info("reloader: the fork server preloads %d modules", len(preload))
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload)
    running = start(context, module)
    stopping: list[BaseProcess] = []  # stopped, still finishing their work

    def stop_all(signum: int, frame: FrameType | None) -> None:
        for process in [running, *stopping]:
            process.terminate()
        for process in [running, *stopping]:
            process.join()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    for changes in watch(sources):
        changed = ", ".join(sorted({os.path.relpath(path, sources) for _, path in changes}))
        log.warning("reloader: %s changed: restarting %s", changed, module)
        started = time.monotonic()
        running.terminate()  # SIGTERM: a graceful (uvicorn) or warm (Celery) shutdown
        if overlap:
            stopping.append(running)
        else:
            running.join()
        running = start(context, module)
        stopping = [process for process in stopping if process.is_alive()]
        log.info("reloader: %s started again in %.2f s", module, time.monotonic() - started)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m stack_db.reloader", description=__doc__)
    parser.add_argument("module", help="the module to run, as with python -m")
    parser.add_argument(
        "--sources",
        default=os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or ".",
        help="the folder to watch (default: the first entry of PYTHONPATH)",
    )
    parser.add_argument(
        "--overlap",
        action="store_true",
        help="start the new process at once, while the old one finishes its work (the "
        "worker: its warm shutdown lasts as long as its longest running task); without "
        "it, the old process is waited for (the API: it holds the port)",
    )
    args = parser.parse_args(argv)
    if os.environ.get("APP_ENV", "").lower() == "production":
        sys.exit("reloader: error: it is for development; APP_ENV is production")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    serve(args.module, Path(args.sources), args.overlap)


if __name__ == "__main__":
    main()
