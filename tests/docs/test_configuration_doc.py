"""The configuration reference (scripts/config_reference.py) agrees with the
settings classes and the Compose files, docs/dev/configuration.md shows the table
it renders, and .env.example lists what a person may set, with values the
settings classes accept. That the doc's table is the one rendered now,
`cog --check` checks (tox -e docs)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values
from stack_backend.settings import ApiSettings
from stack_db.database_settings import DatabaseSettings
from stack_worker.settings import WorkerSettings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import config_reference as reference  # noqa: E402 (found through sys.path above)
from config_reference import ComposeUse, ConfigurationDrift  # noqa: E402

REGENERATE = "uv run cog -r docs/dev/configuration.md"


def test_settings_compose_files_and_compose_only_meanings_agree() -> None:
    try:
        reference.variables()
        drift = ""
    except ConfigurationDrift as error:
        drift = str(error)
    assert not drift, f"fix these, then run `{REGENERATE}`:\n{drift}"


def test_the_doc_has_the_generated_table() -> None:
    """Whether the table is up to date, `cog --check` (in `tox -e docs`) tells."""
    doc = (ROOT / "docs" / "dev" / "configuration.md").read_text()
    if "cog.out(markdown_table())" not in doc:
        pytest.fail(
            "docs/dev/configuration.md has lost the cog block that renders its table of "
            "variables (`cog.out(markdown_table())`): restore it, then run "
            f"`{REGENERATE}`"
        )


def test_env_example_lists_every_variable_a_person_may_set_and_nothing_else() -> None:
    problems = reference.env_example_problems()
    assert not problems, "\n".join(problems)


def test_env_example_values_load_as_they_are(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in reference.settings_fields():
        monkeypatch.delenv(name, raising=False)
    for name, value in dotenv_values(reference.ENV_EXAMPLE).items():
        if value is not None:
            monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no `.env` to read
    api = ApiSettings()
    database = DatabaseSettings()
    worker = WorkerSettings()
    assert api.redis_url_with_password.startswith("redis://:change-me-redis@redis:6379")
    assert database.sqlalchemy_url.host == "db"
    assert worker.worker_concurrency >= 1


def test_compose_uses_name_the_services_they_feed_defaults_and_requirements(
    tmp_path: Path,
) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n"
        "  db:\n"
        "    image: db:${TAG:-local}\n"
        '    command: ["echo", "$${NOT_A_VARIABLE}"]\n'
        '    environment: ["USER=${USER_NAME:?set it}", "DIR=${DATA_DIR-/data}"]\n'
        "  cache:\n"
        "    image: cache:${TAG:-local}\n"
        "    environment:\n"
        "      PASSWORD: ${PASSWORD?set it}\n"
        "      MODE: ${MODE}\n"
    )
    assert reference.compose_uses([compose]) == {
        "TAG": ComposeUse(services=[], defaults={"local"}),
        "USER_NAME": ComposeUse(services=["db"], required=True),
        "DATA_DIR": ComposeUse(services=["db"], defaults={"/data"}),
        "PASSWORD": ComposeUse(services=["cache"], required=True),
        "MODE": ComposeUse(services=["cache"]),
    }


def test_a_compose_variable_without_a_meaning_is_refused(tmp_path: Path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  web:\n    image: web:${WEB_TAG:-1}\n")
    with pytest.raises(ConfigurationDrift, match="WEB_TAG: the Compose files use it; add"):
        reference.variables([compose], compose_only={})


def test_a_meaning_no_compose_file_uses_is_refused(tmp_path: Path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services: {}\n")
    with pytest.raises(ConfigurationDrift, match="OLD_PORT: no Compose file uses it"):
        reference.variables([compose], compose_only={"OLD_PORT": "A port no longer published."})


def test_env_example_problems_name_a_missing_and_an_extra_variable(tmp_path: Path) -> None:
    lines = reference.ENV_EXAMPLE.read_text().splitlines()
    example = tmp_path / ".env.example"
    example.write_text(
        "\n".join(line for line in lines if not line.startswith("API_TITLE="))
        + "\n# UNREAD_SETTING=1\n"
    )
    problems = reference.env_example_problems(example)
    assert [problem.split(":")[0] for problem in problems] == ["API_TITLE", "UNREAD_SETTING"]
