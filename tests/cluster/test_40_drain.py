"""Draining a worker node: its API and worker tasks move to the other app
node, and the tasks in hand and those sent meanwhile all complete."""

from __future__ import annotations

import time

from cluster_harness import Cluster, node_of, publish, send_pings, wait_all_on, wait_tasks


def test_draining_a_node_moves_its_workers_and_tasks_keep_completing(
    cluster: Cluster, phase_times: dict[str, float]
) -> None:
    drained, other = cluster.app_nodes
    assert cluster.running_on("celery_worker").get(drained), "no worker on the node to drain"
    in_hand = publish(cluster, "stack.sleep", [1], 12)

    started = time.monotonic()
    cluster.manager.run("node", "update", "--availability", "drain", drained)
    try:
        during = send_pings(cluster, 10)
        wait_all_on(cluster, other, timeout=120)
        moved = time.monotonic() - started
        after = send_pings(cluster, 10)
        statuses = wait_tasks(cluster, in_hand + during + after, timeout=90)
        phase_times[f"drain: every worker and API task on {other}, after the drain"] = moved
        assert {node_of(s["worker"]) for s in statuses[-10:]} == {other}
        assert [s["result"] for s in statuses[:12]] == [1] * 12
    finally:
        cluster.manager.run("node", "update", "--availability", "active", drained)
