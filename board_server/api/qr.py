"""QR codes of join links, drawn on the server's public address (segno, SVG)."""

from __future__ import annotations

import io

import segno
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from board_server.errors import BoardError
from board_server.services import Services


def join_qr_svg(url: str, title: str) -> bytes:
    """A scalable SVG QR code of url: black on white, with the quiet zone scanners need."""
    code = segno.make(url, error="m")
    out = io.BytesIO()
    code.save(
        out, kind="svg", scale=1, border=4, dark="#000", light="#fff", omitsize=True,
        xmldecl=False, title=title,
    )  # fmt: skip
    return out.getvalue()


async def join_qr(request: Request) -> Response:
    """GET /join/{code}/qr.svg[?room=r1]: the join link as a QR code, for the wall or paper."""
    services: Services = request.app.state.services
    code = request.path_params["code"]
    workshop = await services.store.find_workshop_by_code(code)
    if workshop is None:
        raise BoardError("unknown_code", "No workshop has that code.")
    url = f"{services.config.http_url}/join/{workshop.join_code}"
    title = f"Join {workshop.title}"
    room_id = request.query_params.get("room")
    if room_id is not None:
        room = workshop.room(room_id)
        if room is None:
            raise BoardError("unknown_room", "That workshop has no such room.")
        url += f"?room={room.id}"
        title += f", {room.name}"
    return Response(
        join_qr_svg(url, title),
        media_type="image/svg+xml",
        headers={"Cache-Control": "no-cache"},
    )


routes = [Route("/join/{code}/qr.svg", join_qr, methods=["GET"])]
