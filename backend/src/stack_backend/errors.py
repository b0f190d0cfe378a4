"""Error responses the framework's defaults get wrong."""

from __future__ import annotations

from fastapi import Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


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
