"""The API's docs work offline: Swagger UI at /docs and ReDoc at /redoc render
the API's operations in a real browser with every asset from the API itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from chromium import render
from harness import Stack


@pytest.mark.parametrize(
    ("page", "rendered"),
    [
        # Swagger UI draws each operation with its path in data-path.
        ("/docs", 'data-path="/tasks/ping"'),
        # ReDoc writes each operation's path into its text.
        ("/redoc", "/tasks/ping"),
    ],
)
def test_docs_render_the_operations_with_nothing_from_outside(
    stack: Stack, tmp_path: Path, page: str, rendered: str
) -> None:
    url = stack.api + page
    result = render(url, tmp_path)
    assert rendered in result.dom, (
        f"{page} did not render the operations; Chromium's stderr ends with:\n"
        + "\n".join(result.stderr.splitlines()[-15:])
    )
    assert stack.api + "/openapi.json" in result.page_requests, result.page_requests
    assert len(result.page_requests) >= 3, result.page_requests  # page, script, schema
    assert result.off_origin(url) == [], f"{page} must work offline"
