"""The sweeper: a loop in the API process that publishes again the accepted
tasks that have waited too long for an outcome (TaskStore.republish_overdue).
It is what makes a message lost in Redis (a crash before the append-only file
was written, a worker killed between taking a message and recording it as
unacknowledged) a delay rather than a lost task."""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from stack_backend.task_store import TaskStore, TaskStoreUnavailable

log = logging.getLogger(__name__)


async def sweep_forever(store: TaskStore, interval_seconds: float, after_seconds: float) -> None:
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            count = await run_in_threadpool(store.republish_overdue, after_seconds)
        except TaskStoreUnavailable as error:
            log.warning("sweep skipped: %s", error)
            continue
        if count:
            log.info("sweeper: %d overdue task(s) published again", count)
