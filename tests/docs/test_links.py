"""Every relative link in README.md and docs/ leads to a file that exists, and
every `#anchor` to a heading of that file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *ROOT.glob("docs/**/*.md")])
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, mailto:, ...
HEADING = re.compile(r"#{1,6}\s+(.*?)\s*#*\s*$")


def outside_code_blocks(page: Path) -> Iterator[tuple[int, str]]:
    fenced = False
    for number, line in enumerate(page.read_text().splitlines(), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced:
            yield number, line


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the headings of a page."""
    found: set[str] = set()
    for _, line in outside_code_blocks(page):
        if heading := HEADING.match(line):
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading[1])  # a link: its text
            slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
            repeat = 1
            while (slug if repeat == 1 else f"{slug}-{repeat - 1}") in found:
                repeat += 1
            found.add(slug if repeat == 1 else f"{slug}-{repeat - 1}")
    return found


def relative_links(page: Path) -> Iterator[tuple[int, str]]:
    for number, line in outside_code_blocks(page):
        prose = re.sub(r"`[^`]*`", "", line)  # inline code holds no links
        for target in LINK.findall(prose):
            if not EXTERNAL.match(target):
                yield number, target


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for number, target in relative_links(page):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        where = f"{page.relative_to(ROOT)}:{number}: ({target})"
        if not linked.exists():
            broken.append(f"{where} {path} does not exist")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            known = ", ".join(sorted(anchors(linked)))
            broken.append(f"{where} no heading of {linked.name} has #{anchor}; it has: {known}")
    assert not broken, "fix these links or the headings they point to:\n" + "\n".join(broken)
