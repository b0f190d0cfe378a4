"""No accepted task lost: an open-loop load through the API while a seeded
nemesis kills, pauses and cuts off the services one at a time; then the
faults stop, the work drains, and a checker compares what the API accepted
with what Postgres holds (checker.py). docs/dev/testing.md explains how to
run and replay it.

    CHAOS_SEED       the seed (default: a random one, printed); same seed, same faults
    CHAOS_SECONDS    how long the load runs at least (180)
    CHAOS_RATE       requests per second (10)
    CHAOS_FAULTS     faults in the run, at least one of each kind (22)
    CHAOS_MIN_ACCEPTED  ok requests the run must reach to count (1500)
    CHAOS_DRAIN_SECONDS how long the drain may wait for work to finish (120)
    CHAOS_CLIENT_RETRIES how often the client sends an unknown request again, with
                     the same Idempotency-Key (4: 1, 2, 4, 8 s later; 0: the first answer is final)
    CHAOS_ARTIFACTS  where the JSONL history goes (.chaos/)
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from pathlib import Path
from typing import Any

import httpx
from checker import MUST_BE_ZERO, TERMINAL, Effect, check, summary
from history import OK, History
from load import Load
from nemesis import KINDS, LONG_RUNNING, Nemesis, plan
from stack_testing import ROOT, ComposeStack

WARM_UP_SECONDS = 5.0


def _setting(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    try:
        return float(value) if value else default
    except ValueError:
        raise SystemExit(f"{name}={value!r} is not a number; unset it or give one") from None


async def _states(api: str, task_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The API's answer for each task id, a few at a time."""
    limit = asyncio.Semaphore(16)
    states: dict[str, dict[str, Any]] = {}

    async def one(client: httpx.AsyncClient, task_id: str) -> None:
        async with limit:
            try:
                response = await client.get(f"/tasks/{task_id}")
            except httpx.HTTPError as error:
                states[task_id] = {"state": "UNREADABLE", "result": str(error)}
                return
        if response.status_code == 404:
            states[task_id] = {"state": "UNKNOWN", "result": None}
        elif response.status_code != 200:
            states[task_id] = {"state": "UNREADABLE", "result": response.text[:200]}
        else:
            states[task_id] = response.json()

    async with httpx.AsyncClient(base_url=api, timeout=10) as client:
        await asyncio.gather(*(one(client, task_id) for task_id in task_ids))
    return states


def _effects(stack: ComposeStack) -> list[Effect]:
    rows = stack.psql(
        "SELECT id, coalesce(task_id, ''), content FROM document "
        "WHERE content LIKE 'chaos-%' ORDER BY id"
    )
    effects = []
    for line in rows.splitlines():
        row_id, task_id, content = line.split("|", 2)
        effects.append(Effect(int(row_id), task_id or None, content))
    return effects


def _drain(
    stack: ComposeStack, history: History, nemesis: Nemesis, bound: float
) -> tuple[float, dict[str, dict[str, Any]]]:
    """Faults off: wait until healthy, then until every accepted task is
    finished or `bound` seconds have passed. Returns the seconds it took and
    the last states read."""
    started = time.monotonic()
    nemesis.wait_recovered(timeout=120)
    stack.wait_healthy(LONG_RUNNING, timeout=120)
    ids = [r.task_id for r in history.by_outcome(OK) if r.task_id]
    states: dict[str, dict[str, Any]] = {}
    pending = ids
    while True:
        states.update(asyncio.run(_states(stack.api, pending)))
        pending = [t for t in ids if states[t].get("state") not in TERMINAL]
        if not pending or time.monotonic() - started > bound:
            break
        time.sleep(2)
    return time.monotonic() - started, states


def test_no_accepted_task_is_lost(stack: ComposeStack) -> None:
    seed = int(os.environ.get("CHAOS_SEED") or secrets.randbelow(2**31))
    seconds = _setting("CHAOS_SECONDS", 180)
    rate = _setting("CHAOS_RATE", 10)
    fault_count = int(_setting("CHAOS_FAULTS", 22))
    min_accepted = int(_setting("CHAOS_MIN_ACCEPTED", 1500))
    drain_bound = _setting("CHAOS_DRAIN_SECONDS", 120)
    retries = int(_setting("CHAOS_CLIENT_RETRIES", 4))
    print(f"\nchaos: seed {seed} (replay: CHAOS_SEED={seed} uv run tox -e chaos)")
    faults = plan(seed, fault_count)
    history = History(seed)
    nemesis = Nemesis(stack, history, seed)
    dimension = int(stack.settings["EMBEDDING_DIMENSION"])

    with Load(stack.api, history, rate, dimension, retries):
        started = time.monotonic()
        slot = (seconds - 2 * WARM_UP_SECONDS) / len(faults)
        for i, fault in enumerate(faults):
            time.sleep(max(0.0, started + WARM_UP_SECONDS + i * slot - time.monotonic()))
            at = time.monotonic() - started
            record = nemesis.run(fault)
            healed = (
                "not serving again within 60 s"
                if record.recovered_at is None
                else (f"serving {record.recovered_at - record.started_at:.1f}s after")
            )
            print(f"chaos: {at:6.1f}s {fault.kind:<18} {record.detail}; {healed}")
        time.sleep(max(0.0, started + seconds - time.monotonic()))

    drain_seconds, states = _drain(stack, history, nemesis, drain_bound)
    verdict = check(history, _effects(stack), states)
    table = summary(history, verdict, drain_seconds)
    artifacts = Path(os.environ.get("CHAOS_ARTIFACTS") or ROOT / ".chaos")
    stem = f"chaos-{seed}-{time.strftime('%Y%m%dT%H%M%S')}"
    history.write_jsonl(
        artifacts / f"{stem}.jsonl",
        [{"type": "verdict", "counts": dict(verdict.counts), "examples": verdict.examples}],
    )
    (artifacts / f"{stem}.md").write_text(table + "\n")
    print(f"\n{table}\nchaos: history in {artifacts / stem}.jsonl")

    applied = history.applied_faults()
    assert len(history.by_outcome(OK)) >= min_accepted, "too few accepted tasks to judge"
    assert len(applied) >= min(fault_count, 20), "too few faults applied"
    assert {f.kind for f in applied} == set(KINDS), "a kind of fault was not applied"
    assert verdict.passed, {name: verdict.counts[name] for name in MUST_BE_ZERO}
