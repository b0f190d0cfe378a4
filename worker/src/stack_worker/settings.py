"""The worker's own settings, on top of the broker settings of the contract."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator
from stack_db.base_settings import LogFormat, LogLevel

from stack_worker.contract import BrokerSettings


class WorkerSettings(BrokerSettings):
    log_level: LogLevel = "INFO"
    log_format: LogFormat = "text"
    worker_pool: Literal["prefork", "solo"] = Field(
        default="prefork",
        description="`prefork`: tasks run in child processes, with time limits. `solo`: in the "
        "worker's own process, one at a time and without time limits: what `just debug` "
        "uses, so that a debugger's breakpoints in tasks are hit.",
    )
    worker_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Worker processes (Celery prefork children) per container.",
    )
    task_soft_time_limit_seconds: int = Field(
        default=240,
        ge=1,
        le=86400,
        description="After this, a task gets `SoftTimeLimitExceeded` and can clean up. Must "
        "be lower than the hard limit.",
    )
    task_time_limit_seconds: int = Field(
        default=300,
        ge=1,
        le=86400,
        description="After this, the process running the task is killed.",
    )
    worker_heartbeat_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Seconds between the worker's heartbeats in Redis (what `/health` "
        "reports as `worker`).",
    )

    @model_validator(mode="after")
    def _soft_limit_first(self) -> Self:
        if self.task_soft_time_limit_seconds >= self.task_time_limit_seconds:
            raise ValueError(
                "TASK_SOFT_TIME_LIMIT_SECONDS must be lower than TASK_TIME_LIMIT_SECONDS, "
                "so a task is warned before it is killed"
            )
        return self
