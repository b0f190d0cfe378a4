"""The stack as deployed: every service where its labels put it, tasks run
on workers of two nodes, no password where `docker service inspect` shows it,
and every container non-root, without capabilities, with no-new-privileges."""

from __future__ import annotations

import httpx
from cluster_harness import SECRETS, STACK, Cluster, authorization, node_of, send_pings, wait_tasks

LONG_RUNNING = {
    "db": 1,
    "redis": 1,
    "backend": 2,
    "celery_worker": 4,
    "frontend": 1,
    "api-edge": 1,
}


def test_every_service_runs_its_replicas_on_the_nodes_its_labels_name(cluster: Cluster) -> None:
    placed = {service: cluster.running_on(service) for service in LONG_RUNNING}
    for service, replicas in LONG_RUNNING.items():
        assert sum(placed[service].values()) == replicas, (service, placed[service])
    for service in ("db", "redis", "frontend", "api-edge"):
        assert set(placed[service]) == {cluster.manager_node}, (service, placed[service])
    for service in ("backend", "celery_worker"):
        assert set(placed[service]) == set(cluster.app_nodes), (service, placed[service])
    db_init = cluster.service_tasks("db-init")
    assert any(task["CurrentState"].startswith("Complete") for task in db_init), db_init


def test_the_api_and_the_frontend_answer_on_the_host(cluster: Cluster) -> None:
    health = httpx.get(cluster.api + "/health", headers=authorization(cluster), timeout=5)
    assert health.status_code == 200, health.text
    assert health.json()["environment"] == "production"
    for component in ("database", "vector", "redis", "worker"):
        assert health.json()["components"][component]["status"] == "up", health.text
    page = httpx.get(cluster.frontend + "/", timeout=5)
    assert page.status_code == 200
    proxied = httpx.get(cluster.frontend + "/api/health", timeout=5)
    assert proxied.status_code == 200, proxied.text


def test_tasks_run_on_workers_of_at_least_two_nodes(cluster: Cluster) -> None:
    statuses = wait_tasks(cluster, send_pings(cluster, 24), timeout=60)
    assert {status["result"] for status in statuses} == {"pong"}
    nodes = {node_of(status["worker"]) for status in statuses}
    print(f"\n24 pings ran on {sorted(nodes)}")
    assert None not in nodes, [status["worker"] for status in statuses]
    assert len(nodes) >= 2
    assert nodes <= set(cluster.app_nodes)


def test_no_password_in_any_service_or_container(cluster: Cluster) -> None:
    services = cluster.manager.run(
        "service", "ls", "--quiet", "--filter", f"label=com.docker.stack.namespace={STACK}"
    ).split()
    inspected = [cluster.manager.run("service", "inspect", *services)]
    for node in cluster.nodes:
        engine = cluster.engine(node)
        containers = engine.run("ps", "--all", "--quiet").split()
        inspected.append(engine.run("inspect", *containers))
    for service, password in cluster.passwords.items():
        for text in inspected:
            assert password not in text, f"the {service} password is in an inspect"
    secrets = cluster.manager.run("secret", "ls", "--format", "{{.Name}}").split()
    assert sorted(secrets) == sorted(SECRETS.values())


def test_every_container_is_non_root_without_capabilities_and_no_new_privileges(
    cluster: Cluster,
) -> None:
    checked = []
    for node in cluster.nodes:
        engine = cluster.engine(node)
        for container in engine.run("ps", "--quiet").split():
            name = engine.run("inspect", "--format", "{{.Name}}", container).strip()
            status = engine.run("exec", container, "cat", "/proc/self/status")
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            uids = fields["Uid"].split()
            assert uids[0] != "0", (name, fields["Uid"])
            assert int(fields["CapEff"], 16) == 0, (name, fields["CapEff"])
            assert int(fields["CapBnd"], 16) == 0, (name, fields["CapBnd"])
            assert fields["NoNewPrivs"].strip() == "1", (name, fields["NoNewPrivs"])
            checked.append(name)
    assert len(checked) == sum(LONG_RUNNING.values()), checked
