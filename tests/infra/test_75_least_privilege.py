"""Least privilege, past the floor of test_70: read-only root filesystems, no
setuid/setgid binaries, resource limits on every service, no container holding
another's credentials, and a Redis that refuses writes when full instead of
being killed or evicting queued tasks."""

from __future__ import annotations

import httpx
import pytest
from harness import LONG_RUNNING, Stack, held_secrets, run_task, wait_all_healthy

SERVICES = sorted(LONG_RUNNING | {"db-init"})

# Fills Redis past its limit, as clients would, one command at a time (a Lua loop
# would hold every write in the append-only file's buffer until it ends): 1 MiB
# values until one is refused, then one small SETRANGE, which Redis still takes
# when it is barely under the limit, that grows a value by 8 MiB. Then no
# client's connection closing can bring it back under the limit. Prints the
# count and the refusal.
FILL_UNTIL_REFUSED = """
head -c 1048576 /dev/zero | tr '\\0' x > /tmp/value
for ((i = 0; i < 1000; i++)); do
    answer="$(redis-cli -x set "$1$i" < /tmp/value)"
    if [[ "$answer" != OK ]]; then
        redis-cli setrange "${1}over" 8388608 x >/dev/null
        echo "$i $answer"
        exit 0
    fi
done
echo "still accepting writes after $i MiB"
"""
FILL_PREFIX = "test-75-fill:"


def test_every_service_has_a_read_only_root_and_memory_pids_and_cpu_limits(
    stack: Stack,
) -> None:
    seen = stack.services()
    assert set(SERVICES) <= set(seen)
    for service in SERVICES:
        host = seen[service].host_config
        assert host.readonly_rootfs, service
        memory, pids, cpus = host.memory or 0, host.pids_limit or 0, host.nano_cpus or 0
        assert memory > 0, service
        assert pids > 0, service
        assert cpus > 0, service
        print(
            f"\n{service}: read-only, memory {memory >> 20} MiB, pids {pids}, cpus {cpus / 1e9:g}"
        )


# The env file's secrets each container may hold: those it logs in with.
SECRETS_OF = {
    "db": {"POSTGRES_PASSWORD", "POSTGRES_APP_PASSWORD"},
    "redis": {"REDIS_PASSWORD", "REDIS_API_PASSWORD", "REDIS_WORKER_PASSWORD"},
    "db-init": {"POSTGRES_PASSWORD"},
    "backend": {"POSTGRES_APP_PASSWORD", "REDIS_API_PASSWORD", "API_TOKEN"},
    "celery_worker": {"POSTGRES_APP_PASSWORD", "REDIS_WORKER_PASSWORD"},
    "frontend": set(),
}


@pytest.mark.parametrize("service", sorted(SECRETS_OF))
def test_a_container_holds_its_own_secrets_and_no_other(stack: Stack, service: str) -> None:
    """By value, in the container's environment: the env file gives every
    service every secret, and compose.yaml blanks the others'."""
    held = held_secrets(stack, service)
    assert held <= SECRETS_OF[service], f"{service} holds {sorted(held - SECRETS_OF[service])}"
    present = {name for name in SECRETS_OF[service] if stack.settings.get(name)}
    assert present <= held, f"{service} lacks {sorted(present - held)}"


def test_no_service_can_write_its_root_filesystem(stack: Stack) -> None:
    for service in sorted(LONG_RUNNING):
        refused = stack.exec(service, "bash", "-c", "touch /usr/probe 2>&1 || true", check=False)
        assert "Read-only file system" in refused, (service, refused)


def test_no_setuid_or_setgid_binary_in_any_image(stack: Stack) -> None:
    for service in sorted(LONG_RUNNING):
        # Run as the service's user: directories it cannot read hold nothing it could run.
        find = "find / -xdev -perm /6000 -type f 2>/dev/null || true"
        found = stack.exec(service, "bash", "-c", find)
        assert found.strip() == "", (service, found)


def test_full_redis_refuses_writes_the_api_says_503_and_the_stack_recovers(
    stack: Stack,
) -> None:
    assert stack.redis_shell('redis-cli "$@"', "config", "get", "maxmemory-policy").split() == [
        "maxmemory-policy",
        "noeviction",
    ]
    try:
        filled = stack.redis_shell(FILL_UNTIL_REFUSED, FILL_PREFIX)
        print(f"\nredis full after: {filled!r}")
        assert "OOM" in filled, filled
        refused = httpx.post(stack.api + "/tasks/ping", timeout=10)
        assert refused.status_code == 503, refused.text
        assert "full" in refused.json()["detail"], refused.text
        # Redis was refused a write, not killed: same container, no restart.
        assert stack.containers("redis")[0].restart_count == 0
    finally:
        stack.redis_shell(
            'redis-cli "$@"',
            "eval",
            "for _, k in ipairs(redis.call('KEYS', KEYS[1] .. '*')) do "
            "redis.call('UNLINK', k) end return 1",
            "1",
            FILL_PREFIX,
        )
    assert run_task(stack, "/tasks/ping") == "pong"
    wait_all_healthy(stack)
