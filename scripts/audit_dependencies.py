"""The dependency audit of `tox -e lint`: pip-audit over every package uv.lock
pins (all members, all groups), exported with their hashes, against a
vulnerability service (pip-audit's default, PyPI's JSON API per release).

It fails when a locked package has a known vulnerability that
audit-exceptions.toml does not accept, or accepts past its `until` date:

    [[exception]]
    id = "GHSA-xxxx-xxxx-xxxx"   # as pip-audit names it
    package = "somepackage"
    reason = "why it does not affect us, or what we wait for"
    until = 2027-01-31           # look again by then

A package the service could not answer for is reported, with the reason;
with AUDIT_STRICT=1 that fails the audit too. It is not the default because
some hosts cannot reach any vulnerability service (docs/dev/testing.md#lint).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXCEPTIONS = ROOT / "audit-exceptions.toml"


def locked_requirements(folder: Path) -> Path:
    """Every package uv.lock pins, with hashes, as a requirements file."""
    target = folder / "requirements.txt"
    subprocess.run(  # noqa: S603 (a fixed command)
        [  # noqa: S607 (uv from PATH, as tox runs it)
            "uv", "export", "--frozen", "--all-packages", "--all-groups", "--no-emit-workspace",
            "--format", "requirements-txt", "--quiet", "--output-file", str(target),
        ],
        cwd=ROOT,
        check=True,
    )  # fmt: skip
    return target


def accepted_exceptions(today: date) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The accepted vulnerability ids, and the problems of the file itself."""
    if not EXCEPTIONS.exists():
        return {}, []
    entries = tomllib.loads(EXCEPTIONS.read_text()).get("exception", [])
    accepted, problems = {}, []
    for entry in entries:
        missing = {"id", "package", "reason", "until"} - entry.keys()
        if missing:
            problems.append(f"{EXCEPTIONS.name}: {entry} lacks {', '.join(sorted(missing))}")
        elif entry["until"] < today:
            problems.append(
                f"{EXCEPTIONS.name}: the exception for {entry['id']} ({entry['package']}) "
                f"expired on {entry['until']}: look at it again, then extend or remove it"
            )
        else:
            accepted[entry["id"]] = entry
    return accepted, problems


def audit(requirements: Path) -> list[dict[str, Any]]:
    """pip-audit's report: one entry per package, with `vulns` or a `skip_reason`."""
    environment = dict(os.environ)
    # pip-audit uses requests, which reads its own variable for the CA bundle.
    if "SSL_CERT_FILE" in environment:
        environment.setdefault("REQUESTS_CA_BUNDLE", environment["SSL_CERT_FILE"])
    result = subprocess.run(  # noqa: S603 (a fixed command)
        [  # noqa: S607 (pip-audit from the lint environment)
            "pip-audit", "--requirement", str(requirements), "--disable-pip", "--require-hashes",
            "--format", "json", "--progress-spinner", "off",
        ],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )  # fmt: skip
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.exit(f"audit: pip-audit failed (exit {result.returncode}):\n{result.stderr}")
    dependencies: list[dict[str, Any]] = report["dependencies"]
    return dependencies


def main() -> None:
    strict = os.environ.get("AUDIT_STRICT") == "1"
    accepted, problems = accepted_exceptions(date.today())
    with tempfile.TemporaryDirectory() as folder:
        dependencies = audit(locked_requirements(Path(folder)))
    skipped = [d for d in dependencies if "skip_reason" in d]
    found = [(d, v) for d in dependencies for v in d.get("vulns", [])]
    for dependency, vuln in found:
        name = f"{dependency['name']} {dependency['version']}: {vuln['id']}"
        if vuln["id"] in accepted:
            print(f"audit: accepted {name} ({accepted[vuln['id']]['reason']})")
        else:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "none yet"
            problems.append(
                f"{name} (fixed in: {fixes}); upgrade it (`uv lock --upgrade-package "
                f"{dependency['name']}`) or accept it in {EXCEPTIONS.name}"
            )
    audited = len(dependencies) - len(skipped)
    print(f"audit: {len(dependencies)} locked packages, {audited} audited, {len(skipped)} not")
    if skipped:
        reasons = Counter(d["skip_reason"].split(":")[0] for d in skipped)
        for reason, count in reasons.most_common():
            print(f"audit: not audited ({count}): {reason}")
        message = (
            f"{len(skipped)} of {len(dependencies)} locked packages were NOT audited: "
            "the vulnerability service did not answer for them from this host"
        )
        if strict:
            problems.append(message)
        else:
            print(f"audit: {message} (AUDIT_STRICT=1 makes this an error)")
    for problem in problems:
        print(f"audit: error: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
