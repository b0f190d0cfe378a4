"""Debian's headless Chromium for the infra tests: load a page, let its scripts
run, and return the DOM they left, with the requests the page itself made."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a closed network: without the background-networking ones Chromium
# keeps trying Google's services at every start.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass(frozen=True)
class Render:
    dom: str
    stderr: str
    # URLs the page requested (its document, scripts, styles, fetches), read
    # from Chromium's network log; the browser's own requests are not in it.
    page_requests: list[str]

    def off_origin(self, url: str) -> list[str]:
        origin = urlsplit(url)[:2]
        return [request for request in self.page_requests if urlsplit(request)[:2] != origin]


def render(url: str, profile: Path, virtual_time_ms: int = 15_000) -> Render:
    """The page's DOM after its scripts ran. Chromium's virtual time skips the
    page's timers but waits for its requests."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `uv run just bootstrap --install` installs it "
            "(as root), or: apt-get install -y --no-install-recommends chromium"
        )
    profile.mkdir(parents=True, exist_ok=True)
    net_log = profile / "net-log.json"
    command = [
        CHROMIUM,
        *FLAGS,
        f"--user-data-dir={profile / 'data'}",
        f"--log-net-log={net_log}",
        f"--virtual-time-budget={virtual_time_ms}",
        "--dump-dom",
        url,
    ]
    # Chromium's own files (crash reports, caches) stay in the test's directory.
    env = {**os.environ, "HOME": str(profile), "XDG_CONFIG_HOME": str(profile / "config")}
    env["XDG_CACHE_HOME"] = str(profile / "cache")
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    return Render(result.stdout, result.stderr, _page_requests(net_log, url))


def _page_requests(net_log: Path, url: str) -> list[str]:
    """Requests whose initiator is the page's origin, plus the page itself."""
    if not net_log.exists():
        return []
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    origin = "{}://{}".format(*urlsplit(url)[:2])
    requests = []
    for event in log["events"]:
        params = event.get("params", {})
        if event["type"] != start_job or "url" not in params:
            continue
        if params.get("initiator") == origin or params.get("request_type") == "main frame":
            requests.append(params["url"])
    return requests
