"""Health: the dependency report, and a liveness probe that touches nothing."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from stack_backend.auth import Authenticated
from stack_backend.deps import ClientsDep
from stack_backend.health_report import HealthReport, check_health

router = APIRouter(prefix="/health", tags=["health"])


@router.get(
    "",
    response_model=HealthReport,
    responses={503: {"model": HealthReport, "description": "A required dependency is down"}},
)
async def health(clients: ClientsDep, authenticated: Authenticated) -> JSONResponse:
    """Each dependency's state. 200 when every required one is up, else 503.
    Without the API's token (when one is set), only the overall `status`."""
    report = await check_health(clients)
    body = report.model_dump() if authenticated else {"status": report.status}
    return JSONResponse(body, status_code=200 if report.healthy else 503)


@router.get("/live")
async def live() -> dict[str, str]:
    """Liveness: the process serves requests. For container healthchecks."""
    return {"status": "alive"}
