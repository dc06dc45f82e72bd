"""One place that turns errors into JSON responses: {"error", "detail"}."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from board_server.workshop import WorkshopError


class ApiError(Exception):
    """An error answer: HTTP status, a stable code and a plain-language detail."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def error_response(status: int, code: str, detail: str) -> JSONResponse:
    """The JSON body every error uses."""
    return JSONResponse({"error": code, "detail": detail}, status_code=status)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    """Render an ApiError, or a WorkshopError, which carries the same fields."""
    assert isinstance(exc, (ApiError, WorkshopError))
    return error_response(exc.status, exc.code, exc.detail)


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Render Starlette's own 404/405 the same way."""
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail))


async def json_body(request: Request, max_bytes: int = 64 * 1024) -> dict[str, Any]:
    """The request body as a JSON object, or an ApiError saying what is wrong."""
    raw = await request.body()
    if len(raw) > max_bytes:
        raise ApiError(413, "body_too_large", f"The body is over {max_bytes} bytes.")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    return body


def text_field(
    body: dict[str, Any], name: str, *, max_len: int, required: bool = True
) -> str | None:
    """A non-empty string field, stripped; ApiError if absent, empty or too long."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, "invalid_field", f"'{name}' must be a non-empty string.")
    value = value.strip()
    if len(value) > max_len:
        raise ApiError(422, "invalid_field", f"'{name}' is longer than {max_len} characters.")
    return value
