"""The load: an open-loop client. Request n is sent at `start + n / rate`
whatever became of the earlier ones (a closed loop would slow down with the
stack and hide its outages), and each outcome is recorded as ok, fail or
unknown. Each request carries an Idempotency-Key; after an unknown outcome
the client may send it again (CHAOS_CLIENT_RETRIES)."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
from history import FAIL, OK, UNKNOWN, History, Request

REQUEST_TIMEOUT_SECONDS = 5.0
RETRY_FIRST_DELAY_SECONDS = 1.0
TASK_PATH = "/tasks/nearest"


def content_of(seed: int, n: int) -> str:
    """What request n asks the task to store: unique in the run, so an effect
    names the request that caused it."""
    return f"chaos-{seed}-{n}"


def embedding_of(n: int, dimension: int) -> list[float]:
    return [float((n * (i + 7)) % 101) for i in range(dimension)]


async def _attempt(client: httpx.AsyncClient, request: Request, body: dict[str, object]) -> None:
    # The key is the request's own: a retry of it is the same request.
    headers = {"Idempotency-Key": request.content}
    try:
        response = await client.post(TASK_PATH, json=body, headers=headers)
    except httpx.HTTPError as error:  # timeout, reset, refused: did it arrive?
        request.outcome, request.status = UNKNOWN, None
        request.error = f"{type(error).__name__}: {error}"
    else:
        request.status = response.status_code
        if response.status_code == 202:
            request.outcome, request.task_id = OK, response.json()["task_id"]
        elif 400 <= response.status_code < 500:
            request.outcome, request.error = FAIL, response.text[:200]
        else:
            request.outcome, request.error = UNKNOWN, response.text[:200]
    request.answered_at = time.time()


async def _send_one(
    client: httpx.AsyncClient, request: Request, body: dict[str, object], retries: int
) -> None:
    """Send, and after an unknown outcome send the same request again, with
    the same Idempotency-Key, up to `retries` times with back-off: what a
    client of this API is told to do."""
    await _attempt(client, request, body)
    while request.outcome == UNKNOWN and request.attempts <= retries:
        request.errors.append(request.error or "")
        await asyncio.sleep(RETRY_FIRST_DELAY_SECONDS * 2 ** (request.attempts - 1))
        request.attempts += 1
        await _attempt(client, request, body)


async def _run(
    api: str,
    history: History,
    rate: float,
    stop: threading.Event,
    dimension: int,
    retries: int,
) -> None:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=20)
    async with httpx.AsyncClient(
        base_url=api, timeout=REQUEST_TIMEOUT_SECONDS, limits=limits
    ) as client:
        in_flight: set[asyncio.Task[None]] = set()
        start = time.monotonic()
        n = 0
        while not stop.is_set():
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            content = content_of(history.seed, n)
            request = Request(n=n, content=content, sent_at=time.time())
            history.add_request(request)
            body = {"content": content, "embedding": embedding_of(n, dimension)}
            task = asyncio.create_task(_send_one(client, request, body, retries))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            n += 1
        if in_flight:
            await asyncio.wait(in_flight)


class Load:
    """The client, in a thread of its own, while the nemesis works in the test's."""

    def __init__(
        self, api: str, history: History, rate: float, dimension: int, retries: int
    ) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=lambda: asyncio.run(_run(api, history, rate, self.stop, dimension, retries)),
            name="chaos-load",
            daemon=True,
        )

    def __enter__(self) -> Load:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=REQUEST_TIMEOUT_SECONDS * 5 + 30)
