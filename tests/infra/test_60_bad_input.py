"""Bad input gets a clear error that names the problem and the fix."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid

import httpx
import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError
from harness import ROOT, Outcome, Stack


def run_service(stack: Stack, service: str, *env: str) -> Outcome:
    """Start a one-off container of `service` with changed variables; it must refuse."""
    return stack.run(service, env=dict(pair.split("=", 1) for pair in env))


def test_just_up_without_a_required_password_names_it(stack: Stack) -> None:
    bad_env = stack.env_file.with_name("missing-password.env")
    bad_env.write_text(
        "".join(
            f"{key}={value}\n"
            for key, value in stack.settings.items()
            if key != "POSTGRES_PASSWORD"
        )
    )
    env = {
        **os.environ,
        "COMPOSE_PROJECT_NAME": f"{stack.project}-bad",
        "COMPOSE_ENV_FILES": str(bad_env),
        "ENV_FILE": str(bad_env),
    }
    result = subprocess.run(
        ["just", "up"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in output
    assert "set POSTGRES_PASSWORD in .env (see .env.example)" in output


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("REDIS_URL", "redis//redis:6379", "REDIS_URL is invalid (got 'redis//redis:6379')"),
        ("DATABASE_URL", "mysql://u@db/x", "DATABASE_URL is invalid (got 'mysql://u@db/x')"),
        ("POSTGRES_PORT", "70000", "POSTGRES_PORT is invalid (got '70000')"),
        ("API_PORT", "0", "API_PORT is invalid (got '0')"),
    ],
)
def test_malformed_settings_stop_the_api_with_the_variable_named(
    stack: Stack, variable: str, value: str, message: str
) -> None:
    result = run_service(stack, "backend", f"{variable}={value}")
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_embedding_dimension_that_disagrees_with_the_column_stops_db_init(stack: Stack) -> None:
    result = run_service(stack, "db-init", "EMBEDDING_DIMENSION=5")
    assert result.returncode == 1
    assert (
        "db-init: error: EMBEDDING_DIMENSION is 5 but the existing document.embedding column "
        "has 3 dimensions" in result.stderr
    )


@pytest.mark.parametrize("service", ["backend", "celery_worker", "db-init"])
def test_production_with_placeholder_secrets_refuses_to_start(stack: Stack, service: str) -> None:
    result = run_service(
        stack,
        service,
        "APP_ENV=production",
        "POSTGRES_PASSWORD=change-me-postgres",
        "REDIS_PASSWORD=change-me-redis",
    )
    assert result.returncode != 0
    assert "APP_ENV is production but" in result.stderr
    assert "still has the placeholder value from .env.example; set a real secret" in result.stderr


def test_malformed_json_is_422(stack: Stack) -> None:
    response = httpx.post(
        stack.api + "/tasks/nearest",
        content=b'{"content": "x", "embedding": [1, 2,',
        headers={"content-type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 422


def test_unknown_task_id_is_404_and_malformed_one_is_422(stack: Stack) -> None:
    task_id = uuid.uuid4()
    unknown = httpx.get(f"{stack.api}/tasks/{task_id}", timeout=5)
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == f"no task {task_id} was accepted here"
    assert httpx.get(f"{stack.api}/tasks/nope", timeout=5).status_code == 422


def test_oversized_body_is_refused(stack: Stack) -> None:
    too_big = int(stack.settings["MAX_REQUEST_BODY_BYTES"]) + 1
    response = httpx.post(
        stack.api + "/tasks/nearest",
        content=b"x" * too_big,
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 413
    assert httpx.get(stack.api + "/health/live", timeout=5).status_code == 200


def test_mcp_tool_with_bad_arguments_is_a_tool_error_and_the_server_keeps_serving(
    stack: Stack,
) -> None:
    async def session() -> object:
        async with Client(stack.api + "/mcp/") as client:
            with pytest.raises(ToolError):
                await client.call_tool("ping_worker", {"timeout_seconds": "soon"})
            with pytest.raises(ToolError):
                await client.call_tool("ping_worker", {"timeout_seconds": -1})
            result = await client.call_tool("health", {})
            return result.structured_content

    content = asyncio.run(session())
    assert isinstance(content, dict)
    assert content["status"] == "ok"
