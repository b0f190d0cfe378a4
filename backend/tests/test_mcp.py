from __future__ import annotations

from typing import TYPE_CHECKING
from unittest.mock import MagicMock

import pytest
from celery.exceptions import TimeoutError as CeleryTimeoutError
from fastmcp import Client
from fastmcp.exceptions import ToolError
from kombu.exceptions import OperationalError
from stack_backend.clients import Clients
from stack_backend.mcp_server import build_mcp

if TYPE_CHECKING:
    from .conftest import FakeInfra


async def test_tools_are_listed(clients: Clients) -> None:
    async with Client(build_mcp(clients)) as client:
        names = {tool.name for tool in await client.list_tools()}
    assert names == {"health", "ping_worker"}


async def test_health_tool_reports_components(clients: Clients) -> None:
    async with Client(build_mcp(clients)) as client:
        result = await client.call_tool("health", {})
    assert result.structured_content is not None
    assert result.structured_content["status"] == "ok"
    assert result.structured_content["components"]["redis"]["status"] == "up"


async def test_ping_worker_returns_the_task_result(clients: Clients, infra: FakeInfra) -> None:
    task = MagicMock(id="t-1", state="SUCCESS")
    task.get.return_value = "pong"
    infra.publisher.send_task.return_value = task
    async with Client(build_mcp(clients)) as client:
        result = await client.call_tool("ping_worker", {"timeout_seconds": 5})
    assert result.structured_content is not None
    assert result.structured_content["result"] == "pong"
    assert result.structured_content["task_id"] == "t-1"
    assert task.get.call_args.kwargs == {"timeout": 5}


async def test_ping_worker_times_out_as_a_tool_error(clients: Clients, infra: FakeInfra) -> None:
    task = MagicMock(id="t-2", state="PENDING")
    task.get.side_effect = CeleryTimeoutError()
    infra.publisher.send_task.return_value = task
    async with Client(build_mcp(clients)) as client:
        with pytest.raises(ToolError, match=r"no worker answered within 10.0s"):
            await client.call_tool("ping_worker", {})


async def test_broker_outage_is_a_tool_error(clients: Clients, infra: FakeInfra) -> None:
    infra.publisher.send_task.side_effect = OperationalError("refused")
    async with Client(build_mcp(clients)) as client:
        with pytest.raises(ToolError, match="broker"):
            await client.call_tool("ping_worker", {})


async def test_bad_arguments_are_a_tool_error_and_the_server_keeps_serving(
    clients: Clients,
) -> None:
    async with Client(build_mcp(clients)) as client:
        with pytest.raises(ToolError):
            await client.call_tool("ping_worker", {"timeout_seconds": -1})
        with pytest.raises(ToolError):
            await client.call_tool("ping_worker", {"timeout_seconds": "soon"})
        result = await client.call_tool("health", {})
    assert result.structured_content is not None
