"""The chaos run's record: every request the load sent and every fault the
nemesis made, as events with times, kept as one JSONL file (the test's
artifact) so that a failing run can be read afterwards and replayed by seed."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

OK = "ok"  # 202 and a task id: the stack accepted the task
FAIL = "fail"  # 4xx: refused, nothing may happen
UNKNOWN = "unknown"  # 503, 5xx, timeout, reset: the client cannot tell


@dataclass
class Request:
    n: int
    content: str
    sent_at: float
    answered_at: float | None = None
    outcome: str | None = None
    status: int | None = None
    task_id: str | None = None
    error: str | None = None
    attempts: int = 1
    errors: list[str] = field(default_factory=list)  # of the attempts before the last


@dataclass
class Fault:
    kind: str
    target: str
    started_at: float
    healed_at: float | None = None
    recovered_at: float | None = None
    applied: bool = True
    detail: str = ""


@dataclass
class History:
    seed: int
    started_at: float = field(default_factory=time.time)
    requests: list[Request] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_request(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def by_outcome(self, outcome: str) -> list[Request]:
        return [r for r in self.requests if r.outcome == outcome]

    def applied_faults(self) -> list[Fault]:
        return [f for f in self.faults if f.applied]

    def write_jsonl(self, path: Path, extra: list[dict[str, Any]] | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w") as out:
            out.write(json.dumps({"type": "run", "seed": self.seed, "started_at": self.started_at}))
            out.write("\n")
            for fault in self.faults:
                out.write(json.dumps({"type": "fault", **asdict(fault)}) + "\n")
            for request in sorted(self.requests, key=lambda r: r.n):
                out.write(json.dumps({"type": "request", **asdict(request)}) + "\n")
            for line in extra or []:
                out.write(json.dumps(line) + "\n")
