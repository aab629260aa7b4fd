"""JSON errors with clear messages: bad input is a 4xx with a reason, never a 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("parcours.api")


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: str = Field(description="Machine-readable error code, e.g. not_found, forbidden.")
    message: str = Field(description="What went wrong, for a human.")
    details: list[dict[str, Any]] | None = Field(default=None, description="Per-field problems, if any.")


class ApiError(Exception):
    """An error the API reports as JSON with a status code."""

    def __init__(self, status: int, error: str, message: str, *, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.details = details


def not_found(what: str, ident: str) -> ApiError:
    """A 404 for a missing resource (also used for another tenant's resource, to not leak its existence)."""
    return ApiError(404, "not_found", f"{what} {ident!r} not found")


def bad_request(message: str, *, details: list[dict[str, Any]] | None = None) -> ApiError:
    """A 400 with a reason."""
    return ApiError(400, "bad_request", message, details=details)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or invalid API key."},
    403: {"model": ErrorBody, "description": "The key lacks the scope this endpoint needs."},
    422: {"model": ErrorBody, "description": "Invalid input."},
}

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    503: "unavailable",
}


def _body(
    status: int, error: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": error, "message": message}
    if details is not None:
        body["details"] = details
    return body


def _clean(errors: Any) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        out.append({"field": ".".join(loc), "problem": err.get("msg", "invalid")})
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Make every error a JSON ErrorBody."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(
            _body(exc.status, exc.error, exc.message, exc.details), exc.status, headers=headers
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return JSONResponse(_body(exc.status_code, code, message), exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = _clean(exc.errors())
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            message = "the request body is not valid JSON"
        else:
            message = "invalid input: " + "; ".join(f"{d['field']}: {d['problem']}" for d in details[:5])
        return JSONResponse(_body(422, "invalid_input", message, details), 422)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            _body(500, "internal_error", "an internal error occurred; see the server log"), 500
        )
