"""The API with a token (API_TOKEN): /tasks/* and /mcp/ answer 401 without it or
with a wrong one and work with it, for HTTP and for the official MCP SDK's
client; /health gives details only with it; /health/live stays open."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest
from harness import Stack, run_task
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

MCP_INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "infra-test", "version": "1"},
    },
}


@pytest.fixture(scope="module")
def token(stack: Stack) -> Iterator[str]:
    """The API recreated with a token for this module, then without it again."""
    token = secrets.token_urlsafe(32)
    stack.write_env(API_TOKEN=token)
    stack.up("backend", no_build=True)
    try:
        yield token
    finally:
        stack.settings.pop("API_TOKEN")
        stack.write_env()
        stack.up("backend", no_build=True)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_without_a_token_the_api_is_open_and_says_so(stack: Stack) -> None:
    """First, before the module's token: the session's stack, as local development has it."""
    assert run_task(stack, "/tasks/ping") == "pong"
    assert "API_TOKEN is not set" in stack.compose.logs(["backend"], tail="200")


def test_tasks_answer_401_without_the_token_or_with_a_wrong_one(stack: Stack, token: str) -> None:
    for headers in ({}, bearer("wrong-" + token)):
        refused = httpx.post(stack.api + "/tasks/ping", headers=headers, timeout=5)
        assert refused.status_code == 401, refused.text
        assert refused.headers["www-authenticate"] == "Bearer"
    accepted = httpx.post(stack.api + "/tasks/ping", headers=bearer(token), timeout=5)
    assert accepted.status_code == 202, accepted.text
    task_id = accepted.json()["task_id"]
    assert httpx.get(f"{stack.api}/tasks/{task_id}", timeout=5).status_code == 401
    assert httpx.get(f"{stack.api}/tasks/{task_id}", headers=bearer(token), timeout=5).is_success


def test_mcp_answers_401_without_the_token_or_with_a_wrong_one(stack: Stack, token: str) -> None:
    accept = {"Accept": "application/json, text/event-stream"}
    for headers in ({}, bearer("wrong-" + token)):
        refused = httpx.post(
            stack.api + "/mcp/", json=MCP_INITIALIZE, headers={**accept, **headers}, timeout=5
        )
        assert refused.status_code == 401, refused.text
    accepted = httpx.post(
        stack.api + "/mcp/", json=MCP_INITIALIZE, headers={**accept, **bearer(token)}, timeout=5
    )
    assert accepted.status_code == 200, accepted.text


async def call_ping_worker(
    url: str, headers: dict[str, str], statuses: list[int] | None = None
) -> Any:
    """The official MCP SDK's client (package `mcp`) calls the tool over HTTP;
    `statuses` collects the HTTP status of each of its requests."""

    async def record(response: httpx2.Response) -> None:
        if statuses is not None:
            statuses.append(response.status_code)

    async with (
        httpx2.AsyncClient(headers=headers, timeout=30, event_hooks={"response": [record]}) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        result = await session.call_tool("ping_worker", {"timeout_seconds": 20})
        return result.structured_content


def test_the_mcp_sdk_client_calls_a_tool_with_the_token(stack: Stack, token: str) -> None:
    content = asyncio.run(call_ping_worker(stack.api + "/mcp/", bearer(token)))
    assert content["result"] == "pong"
    statuses: list[int] = []
    with pytest.raises(ExceptionGroup) as refused:
        asyncio.run(call_ping_worker(stack.api + "/mcp/", bearer("wrong-" + token), statuses))
    causes = [repr(error) for error in leaves(refused.value)]
    print(f"\nthe MCP SDK client with a wrong token: HTTP {statuses}, then {causes}")
    assert statuses == [401]


def leaves(group: BaseExceptionGroup[BaseException]) -> Iterator[BaseException]:
    """The exceptions inside a group, however deeply nested (anyio's task groups)."""
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            yield from leaves(error)
        else:
            yield error


def test_health_details_only_with_the_token_and_liveness_open(stack: Stack, token: str) -> None:
    anonymous = httpx.get(stack.api + "/health", timeout=5)
    assert anonymous.status_code == 200
    assert anonymous.json() == {"status": "ok"}
    detailed = httpx.get(stack.api + "/health", headers=bearer(token), timeout=5).json()
    assert detailed["components"]["database"]["status"] == "up"
    assert httpx.get(stack.api + "/health/live", timeout=5).status_code == 200


def test_the_api_says_at_start_up_that_it_needs_the_token(stack: Stack, token: str) -> None:
    logs = stack.compose.logs(["backend"], tail="200")
    assert "require the bearer token API_TOKEN" in logs
    assert token not in logs
