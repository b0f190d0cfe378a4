"""Redis users (ACL): no default user, a user per client with the commands its
work needs (found by running these tests: `ACL LOG` lists every refusal), the
healthcheck's user limited to PING, and dangerous commands refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import Stack, run_task, wait_all_healthy

PROBE = Path(__file__).with_name("redis_acl_probe.py")


def redis_cli(stack: Stack, *args: str, user: str = "admin") -> str:
    """redis-cli in the redis container; as the operator unless `user` says otherwise."""
    return stack.redis_shell('redis-cli "$@" 2>&1', *args, user=user).strip()


def refusals(stack: Stack) -> list[str]:
    """`ACL LOG`, one line per refused user, reason and object."""
    log = redis_cli(stack, "acl", "log", "128").splitlines()
    entries, entry = [], {}
    for key, value in zip(log[::2], log[1::2], strict=False):
        entry[key] = value
        if key == "username":
            entries.append(f"{value}: {entry.get('reason')} {entry.get('object')}")
    return entries


def test_the_api_and_the_worker_were_refused_nothing_the_tests_needed(stack: Stack) -> None:
    """`ACL LOG` since Redis last started (test_50 restarts it; the tests since
    ran tasks, a full Redis, a token, the database roles), after one more round
    of the work each user does: no refusal of theirs."""
    assert run_task(stack, "/tasks/ping") == "pong"
    assert run_task(stack, "/tasks/nearest", {"content": "acl", "embedding": [5, 5, 5]})
    assert stack.exec("celery_worker", "python", "-m", "stack_worker.healthcheck").strip()
    assert stack.wait_for("/health").json()["components"]["worker"]["status"] == "up"
    refused = [line for line in refusals(stack) if line.startswith(("stack-api", "stack-worker"))]
    assert refused == []


@pytest.mark.parametrize(
    ("service", "user"), [("backend", "stack-api"), ("celery_worker", "stack-worker")]
)
def test_dangerous_commands_are_refused_to_the_services_users(
    stack: Stack, service: str, user: str
) -> None:
    answers = json.loads(stack.run_python(service, PROBE))
    assert answers.pop("user") == user
    assert answers == dict.fromkeys(answers, "refused"), answers
    assert "FLUSHALL" in answers
    assert any(line.startswith(f"{user}: command flushall") for line in refusals(stack))
    redis_cli(stack, "acl", "log", "reset")


def test_the_default_user_is_off_and_the_healthcheck_user_may_only_ping(stack: Stack) -> None:
    assert "NOAUTH" in redis_cli(stack, "ping", user="nobody")
    assert redis_cli(stack, "ping", user="healthcheck") == "PONG"
    assert "NOPERM" in redis_cli(stack, "get", "celery", user="healthcheck")
    assert "NOPERM" in redis_cli(stack, "config", "get", "maxmemory", user="healthcheck")
    users = redis_cli(stack, "acl", "users").split()
    assert sorted(users) == ["admin", "default", "healthcheck", "stack-api", "stack-worker"]
    assert "off" in redis_cli(stack, "acl", "getuser", "default").split()
    redis_cli(stack, "acl", "log", "reset")


def test_a_transaction_survives_a_restart_of_redis(stack: Stack) -> None:
    """Redis replays the append-only file's transactions as the `default` user,
    checking them at EXEC: off for logins, it must keep its permissions, or a
    restart drops what kombu queued in MULTI blocks (seen with Redis 8.0)."""
    marker = "test-78-transaction"
    stack.redis_shell(
        'printf "MULTI\\nSET $1 kept\\nLPUSH $1-list kept\\nEXEC\\n" | redis-cli', marker
    )
    stack.compose.restart("redis")
    wait_all_healthy(stack)
    assert redis_cli(stack, "get", marker) == "kept"
    assert redis_cli(stack, "llen", f"{marker}-list") == "1"
    redis_cli(stack, "del", marker, f"{marker}-list")
