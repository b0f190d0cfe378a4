"""API settings, on top of the broker settings of the worker's contract. The
database settings are stack_db's own class."""

from __future__ import annotations

from pydantic import Field
from stack_worker.contract import BrokerSettings


class ApiSettings(BrokerSettings):
    api_title: str = Field(default="stack", min_length=1, max_length=100)
    log_level: str = Field(default="INFO", pattern=r"(?i)^(debug|info|warning|error|critical)$")
    api_host: str = "0.0.0.0"  # noqa: S104  (inside a container; Compose publishes on 127.0.0.1)
    api_port: int = Field(default=8000, ge=1, le=65535)
    # A worker counts as alive when its last heartbeat is at most this old.
    worker_alive_window_seconds: float = Field(default=30.0, gt=0, le=3600)
    # How long /health waits for each dependency before calling it down.
    health_check_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    # Larger request bodies are refused with 413 before they are read whole.
    max_request_body_bytes: int = Field(default=1_048_576, ge=1024, le=1_073_741_824)
    # How long the MCP tool waits for the dummy task's result.
    task_result_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
