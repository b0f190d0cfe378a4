"""API settings, on top of the broker settings of the worker's contract. The
database settings are stack_db's own class."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Self

from pydantic import Field, IPvAnyAddress, SecretStr, model_validator
from stack_db.base_settings import AppEnv, LogFormat, LogLevel
from stack_worker.contract import BrokerSettings

# Shorter tokens are refused: a bearer token is the API's only credential.
MIN_TOKEN_LENGTH = 24


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
    api_token: SecretStr | None = Field(
        default=None,
        description="Bearer token `/tasks/*` and `/mcp/` require, and without which `/health` "
        f"tells only `status` (at least {MIN_TOKEN_LENGTH} characters; or the secret file "
        "`api_token`). Required when `APP_ENV=production` or `API_PUBLISH_ADDRESS` is not a "
        "loopback address; unset, the API is open and says so at start-up.",
    )
    api_publish_address: IPvAnyAddress = Field(
        default=ip_address("127.0.0.1"),
        description="Host address Compose publishes the API on. Beyond loopback (`0.0.0.0`, a "
        "LAN address), the API refuses to start without `API_TOKEN`.",
    )

    @property
    def why_a_token_is_required(self) -> str | None:
        """Why the API must not be open, or None when it may be."""
        if self.app_env is AppEnv.PRODUCTION:
            return "APP_ENV is production"
        if not self.api_publish_address.is_loopback:
            return f"API_PUBLISH_ADDRESS is {self.api_publish_address}, beyond loopback"
        return None

    @model_validator(mode="after")
    def _a_token_where_one_is_required(self) -> Self:
        if self.api_token is None:
            if reason := self.why_a_token_is_required:
                raise ValueError(
                    f"API_TOKEN is not set but {reason}: set API_TOKEN (or the secret file "
                    "api_token) to a long random value, for example the output of "
                    "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
                )
        elif len(self.api_token.get_secret_value()) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"API_TOKEN is shorter than {MIN_TOKEN_LENGTH} characters: use a long random "
                "value, for example `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return self

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
