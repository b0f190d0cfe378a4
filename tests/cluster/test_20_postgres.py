"""Postgres keeps its data across a restart of its service: the new task runs
on the same labelled node, on the same volume."""

from __future__ import annotations

import uuid

from cluster_harness import Cluster, api_request, update_state, wait_tasks, wait_until

EMBEDDING = [7.0, -3.0, 11.0]


def nearest(cluster: Cluster, content: str) -> dict[str, object]:
    accepted = api_request(
        cluster, "POST", "/tasks/nearest", json={"content": content, "embedding": EMBEDDING}
    )
    assert accepted.status_code == 202, accepted.text
    [status] = wait_tasks(cluster, [accepted.json()["task_id"]], timeout=60)
    result: dict[str, object] = status["result"]
    return result


def test_postgres_data_is_kept_across_a_restart_of_its_service(cluster: Cluster) -> None:
    marker = f"kept-{uuid.uuid4()}"
    stored = nearest(cluster, marker)["stored_id"]
    [before] = [t["ID"] for t in cluster.service_tasks("db") if t["DesiredState"] == "Running"]

    cluster.manager.run("service", "update", "--detach", "--force", "stack_db")
    wait_until(
        lambda: update_state(cluster, "db"),
        until=lambda state: state == "completed",
        timeout=120,
        interval=1,
        describe="the db service restarted",
    )
    running = [t for t in cluster.service_tasks("db") if t["DesiredState"] == "Running"]
    assert [t["ID"] for t in running] != [before]
    assert [t["Node"] for t in running] == [cluster.manager_node]

    after = nearest(cluster, f"after-{marker}")
    assert after["nearest"] == {"id": stored, "content": marker, "distance": 0.0}
    [container] = cluster.containers(cluster.manager_node, "db")
    rows = cluster.engine(cluster.manager_node).run(
        "exec",
        container,
        "bash",
        "-c",
        'psql -d "$POSTGRES_DB" -tAq -c "select count(*) from document where content = \'$1\'"',
        "-",
        marker,
    )
    assert rows.strip() == "1"
