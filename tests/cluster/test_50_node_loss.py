"""Losing a machine: the node container running every worker (after the
drain, and the API) is killed mid-task. Swarm marks the node Down and starts
its replicas on the other app node; every task accepted before the loss
completes, those it was running once the visibility timeout hands them back."""

from __future__ import annotations

import time

from cluster_harness import (
    Cluster,
    node_of,
    publish,
    send_pings,
    task_status,
    wait_all_on,
    wait_tasks,
    wait_until,
)
from stack_testing import docker_cli


def node_state(cluster: Cluster, node: str) -> str:
    return cluster.manager.run("node", "inspect", "--format", "{{.Status.State}}", node).strip()


def test_a_lost_node_is_marked_down_its_replicas_move_and_no_task_is_lost(
    cluster: Cluster, phase_times: dict[str, float]
) -> None:
    workers = cluster.running_on("celery_worker")
    lost = max(workers, key=workers.__getitem__)
    [survivor] = [node for node in cluster.app_nodes if node != lost]
    long_tasks = publish(cluster, "stack.sleep", [2], 16)
    pings = send_pings(cluster, 10)
    wait_until(
        lambda: [task_status(cluster, t) for t in long_tasks],
        until=lambda statuses: any(
            s["state"] == "STARTED" and node_of(s["worker"]) == lost for s in statuses
        ),
        timeout=30,
        interval=0.2,
        describe=f"a long task running on {lost}",
    )

    docker_cli("kill", lost)  # the machine is gone, not stopped
    killed = time.monotonic()
    wait_until(
        lambda: node_state(cluster, lost),
        until=lambda state: state == "down",
        timeout=60,
        interval=0.2,
        describe=f"{lost} marked down",
    )
    down = time.monotonic() - killed
    wait_all_on(cluster, survivor, timeout=120)
    moved = time.monotonic() - killed
    statuses = wait_tasks(cluster, long_tasks + pings, timeout=150)
    done = time.monotonic() - killed
    phase_times[f"node loss: {lost} marked down, after the kill"] = down
    phase_times[f"node loss: every worker and API task on {survivor}, after the kill"] = moved
    phase_times[f"node loss: all {len(statuses)} accepted tasks done, after the kill"] = done
    assert [s["result"] for s in statuses[:16]] == [2] * 16
    assert {node_of(s["worker"]) for s in statuses} <= {lost, survivor}
    after = wait_tasks(cluster, send_pings(cluster, 4), timeout=60)
    assert {node_of(s["worker"]) for s in after} == {survivor}
