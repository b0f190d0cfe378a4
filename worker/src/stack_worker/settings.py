"""Broker settings (shared with the API, which publishes tasks) and worker settings."""

from __future__ import annotations

from typing import Self

from pydantic import Field, RedisDsn, SecretStr, model_validator
from stack_db.config import StackSettings


class BrokerSettings(StackSettings):
    """Redis, used as Celery's broker and result store. The password is kept apart
    from the URL so that the URL can be logged and the password given as a secret."""

    redis_url: RedisDsn = RedisDsn("redis://localhost:6379/0")
    redis_password: SecretStr
    redis_socket_timeout_seconds: float = Field(default=2.0, gt=0, le=60)

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
                username=url.username,
                password=password,
                host=url.host or "localhost",
                port=url.port,
                path=(url.path or "/0").lstrip("/"),
            )
        )


class WorkerSettings(BrokerSettings):
    log_level: str = Field(default="INFO", pattern=r"(?i)^(debug|info|warning|error|critical)$")
    worker_concurrency: int = Field(default=2, ge=1, le=64)
    task_soft_time_limit_seconds: int = Field(default=240, ge=1, le=86400)
    task_time_limit_seconds: int = Field(default=300, ge=1, le=86400)
    worker_heartbeat_seconds: float = Field(default=10.0, gt=0, le=300)

    @model_validator(mode="after")
    def _soft_limit_first(self) -> Self:
        if self.task_soft_time_limit_seconds >= self.task_time_limit_seconds:
            raise ValueError(
                "TASK_SOFT_TIME_LIMIT_SECONDS must be lower than TASK_TIME_LIMIT_SECONDS, "
                "so a task is warned before it is killed"
            )
        return self
