"""The commands the docs give are the ones the project runs: getting started's
two commands are the README's Quick start, CI runs both of them as written,
and every `just <recipe>` in the docs exists."""

from __future__ import annotations

import json
import re
import subprocess
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


def ci_commands() -> list[str]:
    """The commands .ci/run runs, one a line (comments and `step` banners left out)."""
    lines = (line.strip() for line in CI.read_text().splitlines())
    return [line for line in lines if line and not line.startswith(("#", "step "))]


def test_getting_started_gives_the_readme_quick_start_commands() -> None:
    quick_start = first_code_block_after(README, "## Quick start")
    assert two_commands() == quick_start, (
        "the code block under '## The two commands' in docs/dev/getting-started.md must "
        f"be the README's Quick start block, line for line:\n{quick_start}"
    )


def test_the_test_command_is_the_last_of_the_two() -> None:
    tests = [command for command in two_commands() if command.startswith("uv run tox")]
    assert tests == ["uv run tox -e unit,infra"] == two_commands()[-1:], (
        "docs/dev/getting-started.md's two commands must end with the test command "
        f"`uv run tox -e unit,infra`; found {tests}"
    )


def test_ci_runs_the_readme_quick_start_line_for_line() -> None:
    quick_start = first_code_block_after(README, "## Quick start")
    ci = ci_commands()
    missing = [line for line in quick_start if line not in ci]
    assert not missing, (
        f"CI (.ci/run) does not run these README Quick start lines as written: {missing}. "
        "Make each one a line of .ci/run, verbatim, or change the README, "
        "docs/dev/getting-started.md and .ci/run together"
    )
    positions = [ci.index(line) for line in quick_start]
    assert positions == sorted(positions), (
        "CI (.ci/run) runs the README's Quick start lines in another order: run them "
        f"in the README's order:\n{quick_start}"
    )


def justfile_recipes() -> set[str]:
    """The justfile's recipes and aliases, as just itself reads them."""
    dump = subprocess.run(
        ["just", "--justfile", str(ROOT / "justfile"), "--dump", "--dump-format", "json"],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    justfile = json.loads(dump.stdout)
    return set(justfile["recipes"]) | set(justfile["aliases"])


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
