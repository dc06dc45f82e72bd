"""HTTP API: health, workshops, joining and role tokens."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from board_server.api.errors import ApiError, json_body, text_field
from board_server.auth import AuthError, bearer, check_admin
from board_server.model import Role, Workshop
from board_server.services import Services

MAX_ROOMS = 100
_ISSUABLE_ROLES = {Role.VIEWER.value, Role.OBSERVER.value, Role.FACILITATOR.value}


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _rooms_json(workshop: Workshop) -> list[dict[str, str]]:
    return [{"id": room.id, "name": room.name} for room in workshop.rooms]


async def healthz(request: Request) -> JSONResponse:
    """Liveness: 200 {"status": "ok"}."""
    return JSONResponse({"status": "ok"})


async def create_workshop(request: Request) -> JSONResponse:
    """POST /api/workshops with the admin token."""
    services = _services(request)
    if not check_admin(
        services.config.admin_token or "", bearer(request.headers.get("authorization"))
    ):
        raise ApiError(401, "unauthorized", "The admin token is missing or wrong.")
    body = await json_body(request)
    title = text_field(body, "title", max_len=200)
    rooms = body.get("rooms")
    if (
        not isinstance(rooms, list)
        or not 1 <= len(rooms) <= MAX_ROOMS
        or not all(isinstance(r, str) and r.strip() and len(r) <= 100 for r in rooms)
    ):
        raise ApiError(
            422, "invalid_field", f"'rooms' must be a list of 1 to {MAX_ROOMS} room names."
        )
    assert title is not None
    workshop, token = await services.workshops.create(title, [r.strip() for r in rooms])
    return JSONResponse(
        {
            "id": workshop.id,
            "title": workshop.title,
            "join_code": workshop.join_code,
            "facilitator_token": token,
            "rooms": _rooms_json(workshop),
        },
        status_code=201,
    )


async def join(request: Request) -> JSONResponse:
    """POST /api/join: a participant joins with the code and a (nick)name."""
    body = await json_body(request)
    code = text_field(body, "code", max_len=32)
    name = text_field(body, "name", max_len=60)
    room_id = text_field(body, "room", max_len=64, required=False)
    assert code is not None and name is not None
    result = await _services(request).workshops.join(code, name, room_id)
    workshop: dict[str, Any] = {
        "id": result.workshop.id,
        "title": result.workshop.title,
        "rooms": _rooms_json(result.workshop),
    }
    return JSONResponse(
        {
            "token": result.token,
            "role": Role.PARTICIPANT.value,
            "participant": {"id": result.participant.id, "name": result.participant.name},
            "workshop": workshop,
            "room": {"id": result.room.id, "name": result.room.name},
        }
    )


async def issue_token(request: Request) -> JSONResponse:
    """POST /api/workshops/{id}/tokens: a facilitator issues a role token."""
    services = _services(request)
    workshop_id = request.path_params["workshop_id"]
    try:
        claims = services.signer.verify(bearer(request.headers.get("authorization")))
    except AuthError as exc:
        raise ApiError(401, exc.code, exc.detail) from None
    if claims.role is not Role.FACILITATOR or claims.workshop_id != workshop_id:
        raise ApiError(403, "forbidden", "Only this workshop's facilitator can issue tokens.")
    if await services.workshops.get(workshop_id) is None:
        raise ApiError(404, "unknown_workshop", "No such workshop.")
    body = await json_body(request)
    role = body.get("role")
    if role not in _ISSUABLE_ROLES:
        raise ApiError(422, "invalid_field", "'role' must be one of viewer, observer, facilitator.")
    return JSONResponse({"token": services.workshops.token_for(workshop_id, Role(role))})


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/api/workshops", create_workshop, methods=["POST"]),
    Route("/api/join", join, methods=["POST"]),
    Route("/api/workshops/{workshop_id}/tokens", issue_token, methods=["POST"]),
]
