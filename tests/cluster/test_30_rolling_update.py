"""A rolling update of the API to a new image tag, watched by a client that
polls /health without retries: no request fails. Then an image whose API
cannot start: Swarm rolls the service back by itself, again with no failed
request (the old tasks serve until a new one is healthy: start-first)."""

from __future__ import annotations

import time

from cluster_harness import Cluster, HealthPoller, update_state, wait_until

NEXT = "stack-app:cluster-next"
BROKEN = "stack-app:cluster-broken"


def make_images(cluster: Cluster) -> None:
    """On each app node: the same image under a new tag, and a broken one
    (its code is not on Python's path: `python -m stack_backend` fails)."""
    for node in cluster.app_nodes:
        engine = cluster.engine(node)
        engine.run("tag", "stack-app:cluster", NEXT)
        container = engine.run("create", NEXT).strip()
        engine.run("commit", "--change", "ENV PYTHONPATH=/nowhere", container, BROKEN)
        engine.run("rm", container)


def update_image(cluster: Cluster, image: str, until: str) -> float:
    started = time.monotonic()
    cluster.manager.run(
        "service", "update", "--detach", "--no-resolve-image", "--image", image, "stack_backend"
    )
    wait_until(
        lambda: update_state(cluster, "backend"),
        until=lambda state: state == until,
        timeout=150,
        interval=1,
        describe=f"the API's update to {image} {until}",
    )
    return time.monotonic() - started


def running_images(cluster: Cluster) -> list[str]:
    tasks = cluster.service_tasks("backend")
    return sorted(
        t["Image"]
        for t in tasks
        if t["DesiredState"] == "Running" and t["CurrentState"].startswith("Running")
    )


def spec_image(cluster: Cluster) -> str:
    return cluster.manager.run(
        "service",
        "inspect",
        "stack_backend",
        "--format",
        "{{.Spec.TaskTemplate.ContainerSpec.Image}}",
    ).strip()


def test_a_rolling_update_fails_no_request_and_a_broken_image_rolls_back(
    cluster: Cluster, phase_times: dict[str, float]
) -> None:
    make_images(cluster)
    with HealthPoller(cluster.api + "/health").running() as poller:
        updated = update_image(cluster, NEXT, "completed")
        assert running_images(cluster) == [NEXT, NEXT]
        rolled_back = update_image(cluster, BROKEN, "rollback_completed")
        assert spec_image(cluster) == NEXT
        wait_until(
            lambda: running_images(cluster),
            until=lambda images: images == [NEXT, NEXT],
            timeout=60,
            interval=1,
            describe="two API tasks of the previous image running",
        )
    phase_times["rolling update: completed"] = updated
    phase_times["rolling update: broken image rolled back"] = rolled_back
    assert poller.answered > 50
    assert poller.failures == []
    failed = [t for t in cluster.service_tasks("backend") if t["Image"] == BROKEN and t["Error"]]
    assert failed, "no task of the broken image failed"
