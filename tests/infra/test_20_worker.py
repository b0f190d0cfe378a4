"""Phase 1 manual test 3: the worker is registered with the broker and runs the
dummy task submitted through the API and through the MCP tool."""

from __future__ import annotations

import asyncio
import uuid

from fastmcp import Client
from harness import Stack, run_task, send_tasks, wait_tasks


def test_worker_node_answers_its_own_ping_through_the_broker(stack: Stack) -> None:
    output = stack.exec("celery_worker", "python", "-m", "stack_worker.healthcheck")
    assert output.strip().endswith("ok")


def test_worker_has_registered_the_tasks(stack: Stack) -> None:
    output = stack.registered_tasks()
    assert "stack.ping" in output
    assert "stack.store_and_find_nearest" in output


def test_dummy_task_through_the_api(stack: Stack) -> None:
    assert run_task(stack, "/tasks/ping") == "pong"


def test_dummy_task_through_the_mcp_tool_over_http(stack: Stack) -> None:
    async def call() -> object:
        async with Client(stack.api + "/mcp/") as client:
            tools = {tool.name for tool in await client.list_tools()}
            assert {"health", "ping_worker"} <= tools
            result = await client.call_tool("ping_worker", {"timeout_seconds": 20})
            return result.structured_content

    content = asyncio.run(call())
    assert isinstance(content, dict)
    assert content["result"] == "pong"
    assert content["state"] == "SUCCESS"


def test_a_redelivered_nearest_task_stores_its_document_once(stack: Stack) -> None:
    task_id = str(uuid.uuid4())
    for _ in range(2):  # the same task delivered twice, as after a crash
        send_tasks(stack, "stack.store_and_find_nearest", ["twice", [7, 7, 7]], 1, task_id=task_id)
        wait_tasks(stack, [task_id])
    assert stack.psql(f"SELECT count(*) FROM document WHERE task_id = '{task_id}'") == "1"
