"""The commands the docs give are the ones the project runs: getting started's
two commands are the README's Quick start, its test command is what CI runs,
and every `just <recipe>` in the docs exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
GETTING_STARTED = ROOT / "docs" / "dev" / "getting-started.md"
CI = ROOT / ".ci" / "run"


def first_code_block_after(page: Path, heading: str) -> list[str]:
    """The lines of the first fenced code block under `heading`."""
    lines = page.read_text().splitlines()
    assert heading in lines, f"{page.relative_to(ROOT)}: no '{heading}' heading; restore it"
    block: list[str] = []
    inside = False
    for line in lines[lines.index(heading) + 1 :]:
        if line.startswith("```"):
            if inside:
                return block
            inside = True
        elif inside:
            block.append(line.strip())
    raise AssertionError(f"{page.relative_to(ROOT)}: no code block under '{heading}'")


def two_commands() -> list[str]:
    return first_code_block_after(GETTING_STARTED, "## The two commands")


def ci_commands() -> set[str]:
    """The commands .ci/run runs, one a line (comments and `step` banners left out)."""
    lines = (line.strip() for line in CI.read_text().splitlines())
    return {line for line in lines if line and not line.startswith(("#", "step "))}


def test_getting_started_gives_the_readme_quick_start_commands() -> None:
    quick_start = first_code_block_after(README, "## Quick start")
    assert two_commands() == quick_start, (
        "the code block under '## The two commands' in docs/dev/getting-started.md must "
        f"be the README's Quick start block, line for line:\n{quick_start}"
    )


def test_the_test_command_is_what_ci_runs() -> None:
    tests = [command for command in two_commands() if command.startswith("uv run tox")]
    assert tests == ["uv run tox -e unit,infra"], (
        "docs/dev/getting-started.md's two commands must end with the test command "
        f"`uv run tox -e unit,infra`; found {tests}"
    )
    assert tests[0] in ci_commands(), (
        f"CI (.ci/run) does not run `{tests[0]}`: make .ci/run run the same command as "
        "the README and docs/dev/getting-started.md, or change all three together"
    )


def justfile_recipes() -> set[str]:
    lines = (ROOT / "justfile").read_text().splitlines()
    return {
        match[1]
        for line in lines
        if ":=" not in line and (match := re.match(r"([a-z_][\w-]*)[^:]*:", line))
    }


def test_every_just_recipe_in_the_docs_exists() -> None:
    recipes = justfile_recipes()
    unknown = []
    for page in sorted([README, *ROOT.glob("docs/**/*.md")]):
        text = page.read_text()
        code = re.findall(r"```.*?```", text, flags=re.DOTALL) + re.findall(r"`[^`\n]+`", text)
        for snippet in code:
            for recipe in re.findall(r"\bjust\s+([a-z][\w-]*)", snippet):
                if recipe not in recipes:
                    unknown.append(f"{page.relative_to(ROOT)}: `just {recipe}`")
    assert not unknown, (
        "no such recipe in the justfile (`uv run just --list`); fix the docs or add the "
        "recipe:\n" + "\n".join(sorted(set(unknown)))
    )
