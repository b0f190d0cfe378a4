"""The cluster tests' own simulated cluster (scripts/cluster/simulation.py),
named stack-cluster-test so that a developer's `just cluster-up` cluster is
never touched, on free host ports. Made once per session and removed at the
end, unless KEEP_CLUSTER=1.

Each test changes the cluster for the next (a node drained, then one lost):
the files run in their order, and a test reads the cluster's state rather than
assume it. The time of each phase and scenario is printed at the end.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from cluster_harness import Cluster, free_port

TIMES: dict[str, float] = {}


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    cluster = Cluster(
        os.environ.get("CLUSTER_NAME", "stack-cluster-test"),
        api_port=free_port(),
        frontend_port=free_port(),
    )
    started = time.monotonic()
    try:
        TIMES.update(cluster.up())
        TIMES["cluster up, in all"] = time.monotonic() - started
        yield cluster
    finally:
        if os.environ.get("KEEP_CLUSTER") == "1":
            print(f"\nkept: docker -H unix://{cluster.socket(cluster.manager_node)} service ls")
        else:
            cluster.down()


@pytest.fixture
def phase_times() -> dict[str, float]:
    """Where a test records the time of a step, for the summary at the end."""
    return TIMES


@pytest.fixture(autouse=True)
def timed(request: pytest.FixtureRequest) -> Iterator[None]:
    started = time.monotonic()
    yield
    TIMES[f"test: {request.node.name}"] = time.monotonic() - started


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMES:
        terminalreporter.section("time of each phase")
        for phase, seconds in TIMES.items():
            terminalreporter.write_line(f"{seconds:6.1f} s  {phase}")
