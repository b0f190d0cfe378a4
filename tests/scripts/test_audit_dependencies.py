"""scripts/audit_dependencies.py: what fails the audit of `tox -e lint`, given
pip-audit's report (the vulnerability service itself is not reached here)."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import audit_dependencies

VULNERABLE = {
    "name": "somepackage",
    "version": "1.0",
    "vulns": [{"id": "GHSA-aaaa-bbbb-cccc", "fix_versions": ["1.1"]}],
}
CLEAN = {"name": "otherpackage", "version": "2.0", "vulns": []}
UNANSWERED = {"name": "thirdpackage", "version": "3.0", "skip_reason": "Dependency not found"}


def run(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    report: list[dict[str, Any]],
    exceptions: str = "",
    strict: bool = False,
) -> int:
    """The audit's exit code over `report`, with `exceptions` as the file."""
    accepted = tmp_path / "audit-exceptions.toml"
    accepted.write_text(exceptions)
    monkeypatch.setattr(audit_dependencies, "EXCEPTIONS", accepted)
    monkeypatch.setattr(audit_dependencies, "locked_requirements", lambda folder: folder)
    monkeypatch.setattr(audit_dependencies, "audit", lambda requirements: report)
    monkeypatch.setenv("AUDIT_STRICT", "1" if strict else "0")
    with pytest.raises(SystemExit) as exit_:
        audit_dependencies.main()
    code = exit_.value.code
    assert isinstance(code, int)
    return code


def exception(until: date) -> str:
    return (
        '[[exception]]\nid = "GHSA-aaaa-bbbb-cccc"\npackage = "somepackage"\n'
        f'reason = "not reachable from our code"\nuntil = {until.isoformat()}\n'
    )


def test_a_known_vulnerability_fails_and_names_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, tmp_path, [VULNERABLE, CLEAN]) == 1
    error = capsys.readouterr().err
    assert "somepackage 1.0: GHSA-aaaa-bbbb-cccc (fixed in: 1.1)" in error
    assert "uv lock --upgrade-package somepackage" in error


def test_an_accepted_vulnerability_passes_until_its_date(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    later = date.today() + timedelta(days=30)
    assert run(monkeypatch, tmp_path, [VULNERABLE], exception(later)) == 0
    assert "accepted somepackage 1.0: GHSA-aaaa-bbbb-cccc" in capsys.readouterr().out


def test_an_expired_exception_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    earlier = date.today() - timedelta(days=1)
    assert run(monkeypatch, tmp_path, [VULNERABLE], exception(earlier)) == 1
    assert f"expired on {earlier.isoformat()}" in capsys.readouterr().err


def test_an_exception_without_its_reason_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incomplete = '[[exception]]\nid = "GHSA-aaaa-bbbb-cccc"\npackage = "somepackage"\n'
    assert run(monkeypatch, tmp_path, [CLEAN], incomplete) == 1
    assert "lacks reason, until" in capsys.readouterr().err


def test_packages_the_service_did_not_answer_for_are_said_and_fail_only_when_strict(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, tmp_path, [CLEAN, UNANSWERED]) == 0
    out = capsys.readouterr().out
    assert "2 locked packages, 1 audited, 1 not" in out
    assert "1 of 2 locked packages were NOT audited" in out
    assert run(monkeypatch, tmp_path, [CLEAN, UNANSWERED], strict=True) == 1
    assert "were NOT audited" in capsys.readouterr().err
