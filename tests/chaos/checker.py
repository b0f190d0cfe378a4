"""The checker: Postgres is the source of truth. Every ok request must have
exactly one effect (a `document` row keyed by its task id, with the content
sent) and read SUCCESS through the API with that effect as its result."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from history import OK, UNKNOWN, History

TERMINAL = ("SUCCESS", "FAILURE")
# The counts that must be 0 for the run to pass.
MUST_BE_ZERO = ("lost", "stuck", "failed", "duplicated", "wrong", "unexpected")


@dataclass(frozen=True)
class Effect:
    row_id: int
    task_id: str | None
    content: str


@dataclass
class Verdict:
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def count(self, name: str, example: str) -> None:
        self.counts[name] += 1
        self.examples.setdefault(name, [])
        if len(self.examples[name]) < 5:
            self.examples[name].append(example)

    @property
    def passed(self) -> bool:
        return all(self.counts[name] == 0 for name in MUST_BE_ZERO)


def check(history: History, effects: list[Effect], states: dict[str, dict[str, Any]]) -> Verdict:
    """`states`: the API's answer for each ok request's task id ({"state": ...,
    "result": ...}; state "UNKNOWN" when the API does not know the id)."""
    verdict = Verdict()
    by_content: dict[str, list[Effect]] = {}
    for effect in effects:
        by_content.setdefault(effect.content, []).append(effect)
    by_task: dict[str | None, list[Effect]] = {}
    for effect in effects:
        by_task.setdefault(effect.task_id, []).append(effect)
    requests = {r.content: r for r in history.requests}

    for request in history.by_outcome(OK):
        assert request.task_id is not None
        mine = by_task.get(request.task_id, [])
        same_content = by_content.get(request.content, [])
        status = states.get(request.task_id, {"state": "UNKNOWN", "result": None})
        label = f"#{request.n} {request.task_id} {status.get('state')}"
        if status["state"] == "FAILURE":
            verdict.count("failed", f"{label}: {status.get('result')}")
        elif not mine:
            verdict.count("lost", label)
        elif status["state"] != "SUCCESS" or _stored_id(status) != mine[0].row_id:
            verdict.count("stuck", f"{label}: result {status.get('result')}")
        if len(mine) > 1 or len(same_content) > 1:
            verdict.count("duplicated", f"{label}: {len(same_content)} rows")
        if any(effect.content != request.content for effect in mine):
            verdict.count("wrong", f"{label}: {[e.content for e in mine]}")

    unknown_seen: set[int] = set()
    for effect in effects:
        request = requests.get(effect.content)
        if request is not None and request.outcome == OK and request.task_id == effect.task_id:
            continue
        if request is not None and request.outcome == UNKNOWN:
            if request.n not in unknown_seen:
                unknown_seen.add(request.n)
                verdict.count("unknown_turned_up", f"#{request.n} row {effect.row_id}")
            continue
        verdict.count("unexpected", f"row {effect.row_id} {effect.task_id} {effect.content}")
    return verdict


def _stored_id(status: dict[str, Any]) -> Any:
    result = status.get("result")
    return result.get("stored_id") if isinstance(result, dict) else None


def summary(history: History, verdict: Verdict, drain_seconds: float) -> str:
    """One table: what was sent, what the nemesis did, what the checker found."""
    outcomes = Counter(r.outcome for r in history.requests)
    retried = [r for r in history.requests if r.attempts > 1]
    kinds = Counter(f.kind for f in history.applied_faults())
    unrecovered = sum(1 for f in history.applied_faults() if f.recovered_at is None)
    rows = [
        ("seed", str(history.seed)),
        ("requests sent", str(len(history.requests))),
        (
            "ok (202) / fail (4xx) / unknown",
            f"{outcomes[OK]} / {outcomes['fail']} / {outcomes[UNKNOWN]}",
        ),
        (
            "sent again (same key) / of those ok",
            f"{len(retried)} / {sum(r.outcome == OK for r in retried)}",
        ),
        ("faults applied (kinds)", f"{sum(kinds.values())} ({len(kinds)})"),
        ("faults by kind", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))),
        ("faults not serving again within 60 s", str(unrecovered)),
        ("drain (s)", f"{drain_seconds:.1f}"),
        *((f"{name} (must be 0)", str(verdict.counts[name])) for name in MUST_BE_ZERO),
        ("unknown that turned up anyway", str(verdict.counts["unknown_turned_up"])),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"| {'':<{width}} | chaos run |", f"| {'-' * width} | --- |"]
    lines += [f"| {name:<{width}} | {value} |" for name, value in rows]
    for name, examples in verdict.examples.items():
        lines.append(f"  {name}: " + "; ".join(examples))
    return "\n".join(lines)
