"""The contract between the API and the worker: what a producer imports to queue
work, and nothing of the worker's internals.

- task names (tasks are sent by name; the API never imports their code);
- where workers announce themselves (the heartbeat set /health reads);
- the broker's settings and `create_publisher`, the Celery app a producer sends
  with. The worker builds its own app on the same connection options
  (`stack_worker.celery_app`), so both sides always agree on the broker.
"""

from __future__ import annotations

import time
from typing import Any, Self

from asgi_correlation_id import correlation_id
from celery import Celery
from celery.signals import before_task_publish
from pydantic import Field, RedisDsn, SecretStr, model_validator
from stack_db.base_settings import StackSettings

PING_TASK = "stack.ping"
NEAREST_DOCUMENT_TASK = "stack.store_and_find_nearest"
SLEEP_TASK = "stack.sleep"
# Pure-Python work of a fixed size, for benchmarks (scripts/bench).
CPU_BURN_TASK = "stack.cpu_burn"

# A sorted set: member = worker node name, score = time of its last heartbeat.
WORKER_HEARTBEAT_KEY = "stack:worker-heartbeats"


def heartbeat_window_start(window_seconds: float, now: float | None = None) -> float:
    """The oldest heartbeat time that still counts a worker as alive."""
    return (time.time() if now is None else now) - window_seconds


class BrokerSettings(StackSettings):
    """Redis, used as Celery's broker and result store. The password is kept apart
    from the URL so that the URL can be logged and the password given as a secret."""

    redis_url: RedisDsn = Field(
        default=RedisDsn("redis://localhost:6379/0"),
        description="Redis, the Celery broker and result store, as a URL without a password "
        "(one in the URL is refused); `.env.example`: `redis://redis:6379/0`.",
    )
    redis_username: str | None = Field(
        default=None,
        description="The Redis user (ACL) to log in as; unset: the URL's, else Redis' "
        "`default` user, which the stack's Redis turns off. Compose sets it: `stack-api` for "
        "the API, `stack-worker` for the worker.",
    )
    redis_password: SecretStr = Field(
        description="Password of the Redis user. In `.env`: the operator's (user `admin`, "
        "for `just redis-cli`); Compose gives the API `REDIS_API_PASSWORD` and the worker "
        "`REDIS_WORKER_PASSWORD` instead. Compose refuses to start when it is unset; empty "
        "means from a [secret file](#secrets-as-files)."
    )
    redis_socket_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="Seconds a Redis connect or call may take before it fails, so the API "
        "answers 503 instead of hanging when Redis is down.",
    )

    @model_validator(mode="after")
    def _password_not_in_url(self) -> Self:
        if self.redis_url.password:
            raise ValueError(
                "REDIS_URL carries a password: remove it from the URL and set REDIS_PASSWORD"
            )
        return self

    @property
    def redis_url_with_password(self) -> str:
        password = self.redis_password.get_secret_value()
        url = self.redis_url
        return str(
            RedisDsn.build(
                scheme=url.scheme,
                username=self.redis_username or url.username,
                password=password,
                host=url.host or "localhost",
                port=url.port,
                path=(url.path or "/0").lstrip("/"),
            )
        )


def connection_config(broker: BrokerSettings) -> dict[str, Any]:
    """Broker and result-store options both producers and the worker need.

    Every Redis call is bounded: a publisher must fail fast when Redis is down
    rather than block the API's event loop for many seconds.
    """
    url = broker.redis_url_with_password
    timeout = broker.redis_socket_timeout_seconds
    return {
        "broker_url": url,
        "result_backend": url,
        "broker_connection_timeout": timeout,
        "broker_transport_options": {"socket_timeout": timeout, "socket_connect_timeout": timeout},
        "result_backend_transport_options": {"retry_policy": {"timeout": timeout}},
        "redis_socket_timeout": timeout,
        "redis_socket_connect_timeout": timeout,
        "redis_retry_on_timeout": False,
        # Publishing retries briefly, then fails: the caller reports the outage.
        "task_publish_retry_policy": {
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.1,
            "interval_max": 0.2,
        },
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_expires": 86400,
        "task_track_started": True,
        # Results also record which worker ran the task (GET /tasks/{id} shows it).
        "result_extended": True,
        "enable_utc": True,
    }


# The id of the HTTP request that queued a task travels in this header of the
# task's message, so that the worker's log lines for the task carry it too.
REQUEST_ID_HEADER = "request_id"


def send_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """before_task_publish: the request id in effect, if any, into the message."""
    request_id = correlation_id.get()
    if request_id and headers is not None:
        headers[REQUEST_ID_HEADER] = request_id


def create_publisher(broker: BrokerSettings, name: str = "stack-api") -> Celery:
    """A Celery app that sends tasks by name and reads their results; it runs
    none. Each task it sends carries the id of the request that sent it."""
    app = Celery(name)
    app.conf.update(connection_config(broker))
    before_task_publish.connect(send_request_id, weak=False, dispatch_uid=REQUEST_ID_HEADER)
    return app
