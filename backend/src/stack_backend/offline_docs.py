"""The API's docs with no request leaving the API's origin, so they work on a
host with no internet: fastapi-offline serves Swagger UI's and ReDoc's assets
from the package pinned in uv.lock, and a Content-Security-Policy on the two
pages stops what those assets would still fetch from elsewhere (ReDoc's
attribution logo)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCS_PAGES = frozenset({"/docs", "/redoc"})
# The pages' own inline script starts the UI; ReDoc renders in a blob worker.
POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


class OnlyOwnOrigin:
    """ASGI middleware: the docs pages may load nothing from another origin."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in DOCS_PAGES:
            await self.app(scope, receive, send)
            return

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["content-security-policy"] = POLICY
            await send(message)

        await self.app(scope, receive, with_policy)


def offline_docs_app(**kwargs: Any) -> FastAPI:
    """A FastAPI app whose /docs and /redoc need nothing from the internet."""
    app = FastAPIOffline(**kwargs)
    app.add_middleware(OnlyOwnOrigin)
    return app
