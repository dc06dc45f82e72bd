"""HTTP API: health, workshops (exporting and deleting them), joining, leaving and role tokens."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from board_server.api.errors import json_body, text_field
from board_server.auth import AuthError, Claims, bearer, check_admin
from board_server.errors import BoardError
from board_server.export.gather import gather
from board_server.export.run import EXPORT_FORMATS, MEDIA_TYPES, SEVERAL_FILES, Export, as_zip
from board_server.export.run import files_of as export_files
from board_server.model import Role, Workshop
from board_server.services import Services
from board_server.workshop.control import parse_agenda

MAX_ROOMS = 100
MAX_ROOM_CAPACITY = 1000
_ISSUABLE_ROLES = {Role.VIEWER.value, Role.OBSERVER.value, Role.FACILITATOR.value}


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _is_admin(request: Request) -> bool:
    services = _services(request)
    token = bearer(request.headers.get("authorization"))
    return check_admin(services.config.admin_token or "", token)


def _require_admin(request: Request) -> None:
    if not _is_admin(request):
        raise BoardError("unauthorized", "The admin token is missing or wrong.")


def _claims(request: Request) -> Claims:
    try:
        return _services(request).signer.verify(bearer(request.headers.get("authorization")))
    except AuthError as exc:
        raise BoardError(exc.code, exc.detail) from None


def _own_workshop(request: Request, verb: str) -> str:
    """The path's workshop id, if the request carries its facilitator's
    token or the admin token; else 401 or 403."""
    workshop_id: str = request.path_params["workshop_id"]
    if not _is_admin(request):
        claims = _claims(request)
        if claims.role is not Role.FACILITATOR or claims.workshop_id != workshop_id:
            detail = f"Only this workshop's facilitator, or the admin, can {verb} it."
            raise BoardError("forbidden", detail)
    return workshop_id


def workshop_json(
    workshop: Workshop, base_url: str, seats: dict[str, int] | None = None
) -> dict[str, Any]:
    """A workshop as the API shows it, with its join links on the server's public address."""
    join_url = f"{base_url}/join/{workshop.join_code}"
    rooms: list[dict[str, Any]] = []
    for room in workshop.rooms:
        entry: dict[str, Any] = {
            "id": room.id,
            "name": room.name,
            "join_url": f"{join_url}?room={room.id}",
        }
        if seats is not None:
            entry["seats"] = seats.get(room.id, 0)
        rooms.append(entry)
    return {
        "id": workshop.id,
        "title": workshop.title,
        "join_code": workshop.join_code,
        "join_url": join_url,
        "created": workshop.created,
        "room_capacity": workshop.room_capacity,
        "rooms": rooms,
    }


async def healthz(request: Request) -> JSONResponse:
    """200 {"status": "ok"}; 503 {"status": "unavailable", "detail"} while the
    store or the bus cannot be reached, so that a proxy sends new clients elsewhere."""
    backend = _services(request).backend
    problem = backend.health()
    if problem is not None:
        return JSONResponse({"status": "unavailable", "detail": problem}, status_code=503)
    return JSONResponse({"status": "ok"})


async def create_workshop(request: Request) -> JSONResponse:
    """POST /api/workshops with the admin token."""
    services = _services(request)
    _require_admin(request)
    body = await json_body(request)
    title = text_field(body, "title", max_len=200)
    rooms = body.get("rooms")
    if (
        not isinstance(rooms, list)
        or not 1 <= len(rooms) <= MAX_ROOMS
        or not all(isinstance(r, str) and r.strip() and len(r) <= 100 for r in rooms)
    ):
        raise BoardError("invalid_field", f"'rooms' must be a list of 1 to {MAX_ROOMS} room names.")
    capacity = body.get("room_capacity")
    if capacity is not None and (
        type(capacity) is not int or not 1 <= capacity <= MAX_ROOM_CAPACITY
    ):
        detail = f"'room_capacity' must be a whole number from 1 to {MAX_ROOM_CAPACITY}."
        raise BoardError("invalid_field", detail)
    anonymous = body.get("anonymous", True)
    if not isinstance(anonymous, bool):
        raise BoardError("invalid_field", "'anonymous' must be true or false.")
    agenda = body.get("agenda")
    if agenda is not None:
        try:
            agenda = parse_agenda(agenda)
        except BoardError as exc:
            raise BoardError("invalid_field", exc.detail) from None
    assert title is not None
    workshop, token = await services.workshops.create(
        title, [r.strip() for r in rooms], room_capacity=capacity
    )
    await services.commands.setup(workshop.id, anonymous=anonymous, agenda=agenda)
    answer = workshop_json(workshop, services.config.http_url)
    answer["facilitator_token"] = token
    return JSONResponse(answer, status_code=201)


async def list_workshops(request: Request) -> JSONResponse:
    """GET /api/workshops with the admin token: every workshop, newest first."""
    services = _services(request)
    _require_admin(request)
    listed = await services.workshops.with_seats()
    base = services.config.http_url
    return JSONResponse({"workshops": [workshop_json(w, base, seats) for w, seats in listed]})


async def join(request: Request) -> JSONResponse:
    """POST /api/join: a participant joins with the code and a (nick)name.

    ``rejoin`` is the token this device had before: the same participant
    comes back to the same seat instead of taking a new one.
    """
    body = await json_body(request)
    code = text_field(body, "code", max_len=32)
    name = text_field(body, "name", max_len=60)
    room_id = text_field(body, "room", max_len=64, required=False)
    rejoin = body.get("rejoin")
    if rejoin is not None and (not isinstance(rejoin, str) or len(rejoin) > 1024):
        raise BoardError("invalid_field", "'rejoin' must be the token this device had.")
    assert code is not None and name is not None
    services = _services(request)
    result = await services.workshops.join(code, name, room_id, rejoin=rejoin)
    await services.commands.people_changed(result.workshop.id)
    workshop: dict[str, Any] = {
        "id": result.workshop.id,
        "title": result.workshop.title,
        "rooms": [{"id": r.id, "name": r.name} for r in result.workshop.rooms],
    }
    return JSONResponse(
        {
            "token": result.token,
            "role": Role.PARTICIPANT.value,
            "participant": {"id": result.participant.id, "name": result.participant.name},
            "workshop": workshop,
            "room": {"id": result.room.id, "name": result.room.name},
            "rejoined": result.rejoined,
        }
    )


async def leave(request: Request) -> Response:
    """POST /api/leave with a participant's token: the seat is free at once, and
    that participant's open boards close."""
    services = _services(request)
    claims = _claims(request)
    if claims.role is not Role.PARTICIPANT:
        raise BoardError("forbidden", "Only a participant can leave.")
    await services.workshops.leave(claims)
    await services.rooms.participant_left(claims.workshop_id, claims.participant_id)
    await services.commands.people_changed(claims.workshop_id)
    return Response(status_code=204)


async def issue_token(request: Request) -> JSONResponse:
    """POST /api/workshops/{id}/tokens: the facilitator (or the admin) issues a role token."""
    services = _services(request)
    workshop_id = request.path_params["workshop_id"]
    if not _is_admin(request):
        claims = _claims(request)
        if claims.role is not Role.FACILITATOR or claims.workshop_id != workshop_id:
            raise BoardError("forbidden", "Only this workshop's facilitator can issue tokens.")
    if await services.workshops.get(workshop_id) is None:
        raise BoardError("unknown_workshop", "No such workshop.")
    body = await json_body(request)
    role = body.get("role")
    if role not in _ISSUABLE_ROLES:
        raise BoardError("invalid_field", "'role' must be one of viewer, observer, facilitator.")
    return JSONResponse({"token": services.workshops.token_for(workshop_id, Role(role))})


async def delete_workshop(request: Request) -> Response:
    """DELETE /api/workshops/{id}: the workshop's facilitator (or the admin)
    deletes it with everything of it; its connections close with 4404."""
    services = _services(request)
    workshop_id = _own_workshop(request, "delete")
    if not await services.eraser.delete(workshop_id):
        raise BoardError("unknown_workshop", "No such workshop.")
    return Response(status_code=204)


async def export_workshop(request: Request) -> Response:
    """GET /api/workshops/{id}/export?format=md|pdf|csv|svg|json[&names=1]:
    the workshop's facilitator (or the admin) downloads its outcomes, as an
    attachment; formats of several files (csv, svg) come as a zip. What the observers'
    filter withholds is never in it; names only with ``names=1`` and a
    workshop of named notes."""
    services = _services(request)
    workshop_id = _own_workshop(request, "export")
    fmt = request.query_params.get("format", "md")
    if fmt not in EXPORT_FORMATS:
        raise BoardError("invalid", f"There is no {fmt[:20]!r} export; use one of "
                         f"{', '.join(EXPORT_FORMATS)}.")  # fmt: skip
    workshop = await services.store.get_workshop(workshop_id)
    if workshop is None:
        raise BoardError("unknown_workshop", "No such workshop.")
    await services.store.flush()  # the boards as they are now
    data = await gather(services.store, workshop, include_names=_flag(request, "names"))
    # Rendering is CPU work: off the event loop, which serves the tablets.
    export = Export(workshop, fmt, await asyncio.to_thread(export_files, data, fmt))
    if fmt in SEVERAL_FILES:
        body, media, name = as_zip(export), MEDIA_TYPES["zip"], f"{export.stem}-{fmt}.zip"
    else:
        ((file_name, body),) = export.files.items()
        media, name = MEDIA_TYPES[fmt], f"{export.stem}-{file_name}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(body, media_type=media, headers=headers)


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "") in ("1", "true", "yes")


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/api/workshops", create_workshop, methods=["POST"]),
    Route("/api/workshops", list_workshops, methods=["GET"]),
    Route("/api/join", join, methods=["POST"]),
    Route("/api/leave", leave, methods=["POST"]),
    Route("/api/workshops/{workshop_id}/tokens", issue_token, methods=["POST"]),
    Route("/api/workshops/{workshop_id}", delete_workshop, methods=["DELETE"]),
    Route("/api/workshops/{workshop_id}/export", export_workshop, methods=["GET"]),
]
