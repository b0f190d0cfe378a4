"""Error responses: the framework's defaults where they are wrong, and the
broker outage mapped once for every route."""

from __future__ import annotations

from fastapi import Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from stack_backend.task_queue import BrokerUnavailable
from stack_backend.task_store import IdempotencyKeyReused, TaskStoreUnavailable


async def request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, except that a rejected NaN or Infinity (which Python's JSON
    parser accepts) is not echoed back: it cannot be encoded as JSON."""
    assert isinstance(exc, RequestValidationError)
    errors = jsonable_encoder(exc.errors())
    try:
        return JSONResponse({"detail": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    except ValueError:
        for error in errors:
            error.pop("input", None)
        return JSONResponse({"detail": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def broker_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503 with what is down: the client may retry later."""
    assert isinstance(exc, BrokerUnavailable)
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


async def task_store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503: nothing was accepted (or, if Postgres committed just before the
    connection broke, a retry with the same Idempotency-Key finds it)."""
    assert isinstance(exc, TaskStoreUnavailable)
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


async def idempotency_key_reused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IdempotencyKeyReused)
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
