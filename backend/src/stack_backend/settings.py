"""API settings, on top of the broker settings of the worker's contract. The
database settings are stack_db's own class."""

from __future__ import annotations

from pydantic import Field
from stack_db.base_settings import LogFormat, LogLevel
from stack_worker.contract import BrokerSettings


class ApiSettings(BrokerSettings):
    api_title: str = Field(
        default="stack",
        min_length=1,
        max_length=100,
        description="Name in `/health` (`service`) and in the OpenAPI docs.",
    )
    log_level: LogLevel = "INFO"
    log_format: LogFormat = "text"
    api_host: str = Field(
        default="0.0.0.0",  # noqa: S104  (inside a container; Compose publishes on 127.0.0.1)
        description="Address uvicorn binds inside the container.",
    )
    api_port: int = Field(
        default=8000,
        ge=1,
        le=65535,
        description="Port uvicorn listens on inside the container. Keep 8000 in the stack: "
        "`compose.yaml` publishes and health-checks 8000, and the frontend proxies to "
        "`backend:8000`. To move the API on the host, change `API_HOST_PORT`.",
    )
    worker_alive_window_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="`/health` counts a worker as alive when its last heartbeat is at most "
        "this old; keep it above `WORKER_HEARTBEAT_SECONDS`.",
    )
    health_check_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        le=30,
        description="Seconds `/health` waits for each dependency before it reports it down.",
    )
    max_request_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        le=1_073_741_824,
        description="Request bodies larger than this are refused with 413 (by "
        "`Content-Length`, or counted as they arrive). Requests through the frontend's "
        "`/api/` proxy also meet nginx's own 1 MiB default.",
    )
    task_result_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Seconds the MCP tool `ping_worker` waits for the worker's answer, unless "
        "the call gives `timeout_seconds`.",
    )
    task_republish_after_seconds: float = Field(
        default=330.0,
        ge=5,
        le=86400,
        description="An accepted task with no outcome this long after it was last published "
        "is published again by the API's sweeper (Redis may have lost it). Keep it above the "
        "worker's `TASK_TIME_LIMIT_SECONDS` plus the time a task may wait in the queue: a "
        "task republished while it still runs runs twice.",
    )
    task_sweep_interval_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="Seconds between two looks of the sweeper for tasks to publish again.",
    )
