"""One place that turns errors into JSON responses: {"error", "detail"}.

Every refusal is a ``BoardError``; ``HTTP_STATUS`` maps its code to the
status the API answers with.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from board_server.errors import BoardError

HTTP_STATUS = {
    "invalid_json": 400,
    "missing_token": 401,
    "invalid_token": 401,
    "expired_token": 401,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "unknown_code": 404,
    "unknown_room": 404,
    "unknown_workshop": 404,
    "method_not_allowed": 405,
    "exists": 409,
    "room_full": 409,
    "workshop_full": 409,
    "body_too_large": 413,
    "invalid_field": 422,
    "no_code": 503,
}


def error_response(status: int, code: str, detail: str) -> JSONResponse:
    """The JSON body every error uses."""
    return JSONResponse({"error": code, "detail": detail}, status_code=status)


async def board_error_handler(request: Request, exc: Exception) -> Response:
    """Render a BoardError with its code's status (400 for a code not in the table)."""
    assert isinstance(exc, BoardError)
    return error_response(HTTP_STATUS.get(exc.code, 400), exc.code, exc.detail)


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Render Starlette's own 404/405 the same way."""
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail))


async def json_body(request: Request, max_bytes: int = 64 * 1024) -> dict[str, Any]:
    """The request body as a JSON object, or a BoardError saying what is wrong."""
    raw = await request.body()
    if len(raw) > max_bytes:
        raise BoardError("body_too_large", f"The body is over {max_bytes} bytes.")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BoardError("invalid_json", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BoardError("invalid_json", "The body must be a JSON object.")
    return body


def text_field(
    body: dict[str, Any], name: str, *, max_len: int, required: bool = True
) -> str | None:
    """A non-empty string field, stripped; BoardError if absent, empty or too long."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BoardError("invalid_field", f"'{name}' must be a non-empty string.")
    value = value.strip()
    if len(value) > max_len:
        raise BoardError("invalid_field", f"'{name}' is longer than {max_len} characters.")
    return value
