"""The frontend's status page in a real browser: Debian's headless Chromium loads it
from the frontend, runs its script, and the page must report every service healthy
and a dummy task's round trip done."""

from __future__ import annotations

import re
import time
from contextlib import suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import httpx
from chromium import render
from harness import Stack, WaitTimeout, wait_until

SERVICES = {"frontend", "backend", "database", "vector", "redis", "worker"}
# Chromium's virtual time skips the page's timers but waits for its requests, so a
# 15 s budget covers three health checks and at least one round trip in a second or two.
VIRTUAL_TIME_BUDGET_MS = 15_000
# src=, href=, url( or fetch( with an absolute or protocol-relative address.
EXTERNAL_REFERENCE = re.compile(
    r"""(?:src|href|url|fetch)\s*[=(]\s*["'`]?(?:https?:)?//[^"'`\s)]*"""
)


@dataclass
class StatusPage:
    """What the page shows, read from its data-* markers."""

    services: dict[str, str] = field(default_factory=dict)
    status_texts: dict[str, str] = field(default_factory=dict)
    round_trip: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    queue_depth: str = ""
    history: str = ""

    def healthy(self) -> bool:
        return set(self.services) == SERVICES and all(
            status == "healthy" for status in self.services.values()
        )


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = StatusPage()
        self._service: str | None = None
        self._in_status_cell = False
        self._in_summary = False
        self._in_history = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "tr" and "data-service" in attributes:
            self._service = attributes["data-service"]
            self.page.services[self._service] = attributes.get("data-status", "")
            self.page.status_texts[self._service] = ""
        elif tag == "td" and self._service and "status" in attributes.get("class", "").split():
            self._in_status_cell = True
        elif tag == "table" and attributes.get("id") == "roundtrip":
            self.page.round_trip = {
                name.removeprefix("data-"): value
                for name, value in attributes.items()
                if name.startswith("data-")
            }
        elif attributes.get("id") == "summary":
            self._in_summary = True
        elif attributes.get("id") == "queue-depth":
            self.page.queue_depth = attributes.get("data-depth", "")
        elif attributes.get("id") == "roundtrip-history":
            self._in_history = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._service = None
        elif tag == "td":
            self._in_status_cell = False
            self._in_history = False
        elif tag == "p":
            self._in_summary = False

    def handle_data(self, data: str) -> None:
        if self._in_status_cell and self._service:
            self.page.status_texts[self._service] += data.strip()
        elif self._in_summary:
            self.page.summary += data.strip()
        elif self._in_history:
            self.page.history += data.strip()


def load_status_page(url: str, profile: Path) -> tuple[StatusPage, str]:
    """The page's DOM after its script ran; also Chromium's stderr, for messages."""
    result = render(url, profile, virtual_time_ms=VIRTUAL_TIME_BUDGET_MS)
    reader = _Reader()
    reader.feed(result.dom)
    return reader.page, result.stderr


def test_the_page_uses_nothing_from_outside_its_own_origin(stack: Stack) -> None:
    page = httpx.get(stack.frontend + "/", timeout=5).text
    external = EXTERNAL_REFERENCE.findall(page)
    assert not external, f"the status page must work offline; it loads {external}"


def test_status_page_shows_every_service_healthy_and_a_round_trip(
    stack: Stack, tmp_path: Path
) -> None:
    loads: list[tuple[StatusPage, str, float]] = []

    def load() -> StatusPage:
        started = time.monotonic()
        page, stderr = load_status_page(stack.frontend + "/", tmp_path / f"profile-{len(loads)}")
        loads.append((page, stderr, time.monotonic() - started))
        return page

    # Until the page shows it all; the assertions below say what it showed last.
    with suppress(WaitTimeout):
        wait_until(
            load,
            until=lambda page: page.healthy() and page.round_trip.get("status") == "done",
            timeout=60,
            interval=2,
            describe="the status page all healthy with a round trip done",
        )
    page, stderr, took = loads[-1]
    attempt = len(loads)

    assert page.services, (
        "Chromium returned no status page (no data-service rows); its stderr ends with:\n"
        + "\n".join(stderr.splitlines()[-15:])
    )
    assert page.healthy(), (
        f"after {attempt} loads the page reports {page.services}; summary: {page.summary!r}"
    )
    # The status is spelled out in each row, not only shown as a colour.
    assert page.status_texts == page.services
    assert page.summary == f"all {len(SERVICES)} services healthy"
    assert page.round_trip.get("status") == "done", page.round_trip
    assert page.round_trip["worker"].startswith("celery@"), page.round_trip
    assert int(page.round_trip["ms"]) >= 0
    assert page.queue_depth.isdigit(), page.queue_depth  # from /health's queue_depth
    assert page.history.startswith(f"{page.round_trip['ms']} ms") or page.history.startswith(
        f"{page.round_trip['ms']}, "
    ), page.history
    print(
        f"\nstatus page: all healthy, round trip done by {page.round_trip['worker']} "
        f"({page.round_trip['ms']} ms in Chromium's virtual time); "
        f"load {attempt} took {took:.1f}s"
    )
