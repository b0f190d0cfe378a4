"""The API's one credential, a bearer token (API_TOKEN), checked in constant time:
by a FastAPI dependency for the HTTP routes, by a FastMCP token verifier for /mcp/.

Without a token configured (local development on loopback only, which the
settings allow), every caller counts as authenticated.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from fastmcp.server.auth import AccessToken, TokenVerifier
from pydantic import SecretStr

from stack_backend.deps import ClientsDep

# auto_error=False: a missing header is ours to answer (401, not FastAPI's 403).
_bearer = HTTPBearer(auto_error=False, description="The API's token (API_TOKEN)")

CLIENT_ID = "api-token"


def token_matches(expected: SecretStr, given: str) -> bool:
    """Constant time, so the comparison's duration does not leak the token."""
    return hmac.compare_digest(expected.get_secret_value().encode(), given.encode())


async def is_authenticated(
    clients: ClientsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> bool:
    """Whether the caller gave the API's token, or none is configured."""
    expected = clients.settings.api_token
    if expected is None:
        return True
    return credentials is not None and token_matches(expected, credentials.credentials)


Authenticated = Annotated[bool, Depends(is_authenticated)]


def carries_token(expected: SecretStr | None, authorization: str | None) -> bool:
    """`is_authenticated` as a plain call on the `Authorization` header, for a
    route too hot for FastAPI's dependency resolution (GET /health)."""
    if expected is None:
        return True
    scheme, token = get_authorization_scheme_param(authorization)
    return scheme.lower() == "bearer" and bool(token) and token_matches(expected, token)


async def require_token(authenticated: Authenticated) -> None:
    """Router dependency: 401 unless the caller is authenticated."""
    if not authenticated:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a bearer token is required: send `Authorization: Bearer <API_TOKEN>`",
            headers={"WWW-Authenticate": "Bearer"},
        )


class ApiTokenVerifier(TokenVerifier):
    """FastMCP's hook for bearer tokens: the API's token, compared in constant time."""

    def __init__(self, token: SecretStr) -> None:
        super().__init__()
        self._token = token

    async def verify_token(self, token: str) -> AccessToken | None:
        if not token_matches(self._token, token):
            return None
        return AccessToken(token=token, client_id=CLIENT_ID, scopes=[])
