"""A consumer bootstep that announces this worker in Redis every few seconds.

The API reads these heartbeats to report whether any worker is alive, in one
Redis call, instead of broadcasting a ping and waiting on every /health.
The step runs on the consumer's own timer, so heartbeats stop when the
consumer stops consuming (broker lost, shutdown).
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

import redis
from celery import bootsteps

from stack_worker.contract import WORKER_HEARTBEAT_KEY

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS_SETTING = "stack_worker_heartbeat_seconds"
# Entries older than this belong to workers that are gone; prune them.
FORGET_AFTER_SECONDS = 3600


class WorkerHeartbeat(bootsteps.StartStopStep):
    # Announce the worker only once it has joined the cluster and is about to consume.
    requires = ("celery.worker.consumer.mingle:Mingle",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.timer_entry: Any = None
        self.client: redis.Redis | None = None

    def start(self, consumer: Any) -> None:
        conf = consumer.app.conf
        self.client = redis.Redis.from_url(
            conf.broker_url,
            socket_timeout=conf.redis_socket_timeout,
            socket_connect_timeout=conf.redis_socket_connect_timeout,
        )
        self.beat(consumer.hostname)
        self.timer_entry = consumer.timer.call_repeatedly(
            conf.get(HEARTBEAT_SECONDS_SETTING, 10.0), self.beat, (consumer.hostname,)
        )

    def stop(self, consumer: Any) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None
        if self.client is not None:
            # If Redis is down, the entry ages out of the window by itself.
            with contextlib.suppress(redis.RedisError):
                self.client.zrem(WORKER_HEARTBEAT_KEY, consumer.hostname)
            self.client.close()
            self.client = None

    def beat(self, hostname: str) -> None:
        if self.client is None:
            return
        now = time.time()
        try:
            pipe = self.client.pipeline()
            pipe.zadd(WORKER_HEARTBEAT_KEY, {hostname: now})
            pipe.zremrangebyscore(WORKER_HEARTBEAT_KEY, "-inf", now - FORGET_AFTER_SECONDS)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("heartbeat not recorded: %s", exc)
