"""docs/dev/configuration.md's table of variables must match what reads them:
the settings classes (names and defaults), .env.example, and the Compose files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pydantic.fields import FieldInfo
from stack_backend.settings import ApiSettings
from stack_db.database_settings import DatabaseSettings
from stack_worker.settings import WorkerSettings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "dev" / "configuration.md"
WHERE = "the variable table in docs/dev/configuration.md"
SETTINGS_CLASSES = (ApiSettings, DatabaseSettings, WorkerSettings)
PYTHON_SERVICES = {"backend", "celery_worker", "db-init"}
KNOWN_READERS = PYTHON_SERVICES | {"db", "redis", "frontend", "compose"}
NO_DEFAULT = "—"


@dataclass(frozen=True)
class Row:
    line: int
    default: str
    required: str
    read_by: frozenset[str]

    @property
    def compose_only(self) -> bool:
        return self.read_by == {"compose"}


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def doc_rows() -> dict[str, Row]:
    """The rows of the table whose first column is `Variable`, by variable name."""
    lines = DOC.read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if _cells(line)[0] == "Variable"), None)
    assert start is not None, f"{DOC}: no table with a 'Variable' column; restore it"
    header = [cell.lower() for cell in _cells(lines[start])]
    rows: dict[str, Row] = {}
    for number, line in enumerate(lines[start + 2 :], start=start + 3):
        if not line.startswith("|"):
            break
        cells = dict(zip(header, _cells(line), strict=True))
        name = cells["variable"].strip("`")
        assert name not in rows, f"{DOC}:{number}: {name} has a second row; keep one"
        rows[name] = Row(
            line=number,
            default=cells["default"].strip("`"),
            required=cells["required"],
            read_by=frozenset(reader.strip() for reader in cells["read by"].split(",")),
        )
    return rows


def settings_fields() -> dict[str, dict[str, FieldInfo]]:
    """Variable name -> {settings class name: its field}."""
    fields: dict[str, dict[str, FieldInfo]] = {}
    for cls in SETTINGS_CLASSES:
        for name, field in cls.model_fields.items():
            fields.setdefault(name.upper(), {})[cls.__name__] = field
    return fields


def rendered_default(field: FieldInfo) -> str:
    """A default as the doc writes it: `5` for 5.0, an enum's value, `—` for none."""
    if field.is_required():
        return NO_DEFAULT
    value = field.get_default(call_default_factory=True)
    if value is None:
        return NO_DEFAULT
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def env_example_variables() -> set[str]:
    """Every variable in .env.example, including optional ones shown commented out."""
    pattern = re.compile(r"^(?:#\s*)?([A-Z][A-Z0-9_]*)=")
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {match[1] for line in lines if (match := pattern.match(line.strip()))}


def compose_defaults() -> dict[str, set[str]]:
    """Variables the Compose files interpolate (`${NAME...}`), with their `:-` defaults."""
    variables: dict[str, set[str]] = {}
    pattern = re.compile(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)(?::?-([^}]*))?")
    for path in sorted(ROOT.glob("compose*.yaml")):
        for name, default in pattern.findall(path.read_text()):
            variables.setdefault(name, set()).update({default} if default else set())
    return variables


def justfile_variables() -> set[str]:
    """Variables the justfile supplies itself (`env("NAME", ...)`)."""
    return set(re.findall(r'env\("([A-Z][A-Z0-9_]*)"', (ROOT / "justfile").read_text()))


def test_every_setting_has_a_row() -> None:
    missing = [
        f"{name} (read by {', '.join(classes)})"
        for name, classes in settings_fields().items()
        if name not in doc_rows()
    ]
    assert not missing, f"add a row to {WHERE} for: {'; '.join(missing)}"


def test_every_row_is_a_setting_or_read_by_compose() -> None:
    settings = settings_fields()
    extra = [
        f"{name} (line {row.line})"
        for name, row in doc_rows().items()
        if name not in settings and "compose" not in row.read_by
    ]
    assert not extra, (
        f"no settings class reads these rows of {WHERE}: {', '.join(extra)}; remove them, "
        "or if Compose reads one, write `compose` in its Read by column"
    )


def test_compose_only_rows_are_used_by_compose_or_the_justfile() -> None:
    used = set(compose_defaults()) | justfile_variables()
    unused = [
        f"{name} (line {row.line})"
        for name, row in doc_rows().items()
        if row.compose_only and name not in used
    ]
    assert not unused, (
        f"{WHERE} marks these as read by compose, but no compose*.yaml or the justfile "
        f"uses them: {', '.join(unused)}; remove the rows"
    )


def test_every_compose_variable_has_a_row_read_by_compose() -> None:
    rows = doc_rows()
    missing = [name for name in compose_defaults() if name not in rows]
    assert not missing, (
        f"compose*.yaml uses {', '.join(sorted(missing))}: add a row to {WHERE} "
        "with `compose` in its Read by column"
    )
    unmarked = [name for name in compose_defaults() if "compose" not in rows[name].read_by]
    assert not unmarked, (
        f"compose*.yaml uses {', '.join(sorted(unmarked))}: add `compose` to their "
        f"Read by column in {WHERE}"
    )


def test_rows_and_env_example_list_the_same_variables() -> None:
    rows = doc_rows()
    example = env_example_variables()
    not_in_doc = sorted(example - set(rows))
    assert not not_in_doc, f".env.example has {', '.join(not_in_doc)}: add a row to {WHERE}"
    not_in_example = [
        f"{name} (line {row.line})"
        for name, row in rows.items()
        if name not in example and not row.compose_only
    ]
    assert not not_in_example, (
        f"{WHERE} has {', '.join(not_in_example)}, which .env.example lacks: add them to "
        ".env.example (with a comment), or, if only Compose reads one, make its Read by "
        "column just `compose`"
    )


def test_defaults_match_the_settings_classes() -> None:
    rows = doc_rows()
    wrong = []
    for name, fields in settings_fields().items():
        defaults = {cls: rendered_default(field) for cls, field in fields.items()}
        assert len(set(defaults.values())) == 1, (
            f"{name} has different defaults in {defaults}: make the settings classes agree"
        )
        expected = next(iter(defaults.values()))
        if name in rows and rows[name].default != expected:
            wrong.append(
                f"line {rows[name].line}: {name} says `{rows[name].default}`, "
                f"{', '.join(fields)} says `{expected}`"
            )
    assert not wrong, f"fix the Default column of {WHERE}:\n" + "\n".join(wrong)


def test_compose_defaults_match() -> None:
    rows = doc_rows()
    supplied_by_just = justfile_variables()
    wrong = [
        f"line {rows[name].line}: {name} says `{rows[name].default}`, compose*.yaml has "
        f"{' or '.join(f'`{d}`' for d in sorted(defaults))}"
        for name, defaults in compose_defaults().items()
        if defaults
        and name in rows
        and rows[name].compose_only
        and name not in supplied_by_just
        and rows[name].default not in defaults
    ]
    assert not wrong, f"fix the Default column of {WHERE}:\n" + "\n".join(wrong)


def test_required_settings_say_yes() -> None:
    rows = doc_rows()
    wrong = [
        f"line {rows[name].line}: {name}"
        for name, fields in settings_fields().items()
        if any(field.is_required() for field in fields.values())
        and name in rows
        and not rows[name].required.startswith("yes")
    ]
    assert not wrong, f"these have no default, so write `yes` as Required in {WHERE}: {wrong}"


def test_read_by_names_services() -> None:
    settings = settings_fields()
    for name, row in doc_rows().items():
        unknown = row.read_by - KNOWN_READERS
        assert not unknown, (
            f"{DOC}:{row.line}: {name} is read by unknown {sorted(unknown)}; "
            f"use {', '.join(sorted(KNOWN_READERS))}"
        )
        if name in settings:
            assert row.read_by & PYTHON_SERVICES, (
                f"{DOC}:{row.line}: {name} is a setting of {', '.join(settings[name])}: "
                f"name the services that use it ({', '.join(sorted(PYTHON_SERVICES))})"
            )
