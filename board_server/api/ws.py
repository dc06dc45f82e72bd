"""WS /ws/{workshop_id}/{room_id}?token=: one room's board, y-websocket protocol."""

from __future__ import annotations

import asyncio
import logging
from itertools import count

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from board_server.auth import AuthError, Claims
from board_server.model import Role, RoomKey
from board_server.rooms import InvalidUpdate, Peer
from board_server.services import Services
from board_server.sync import ProtocolError

logger = logging.getLogger("board.connection")

CLOSE_NORMAL = 1000
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_BAD_FRAME = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_INVALID_UPDATE = 4422
_PEER_FAULTS = (CLOSE_UNSUPPORTED_DATA, CLOSE_BAD_FRAME, CLOSE_INVALID_UPDATE)

_connection_ids = count(1)


class _StarletteTransport:
    """Adapts a Starlette WebSocket to the rooms' Transport protocol."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket

    async def send_bytes(self, data: bytes) -> None:
        await self._websocket.send_bytes(data)

    async def close(self, code: int, reason: str) -> None:
        await self._websocket.close(code, reason)


async def _refuse(websocket: WebSocket, code: int, reason: str, context: str) -> None:
    logger.info("refused %s: code=%d reason=%r", context, code, reason)
    await websocket.close(code, reason)


async def _authorize(websocket: WebSocket, services: Services, key: RoomKey) -> Claims | None:
    context = f"workshop={key.workshop_id} room={key.room_id}"
    try:
        claims = services.signer.verify(websocket.query_params.get("token"))
    except AuthError as exc:
        await _refuse(websocket, CLOSE_UNAUTHORIZED, exc.detail, context)
        return None
    workshop = await services.workshops.get(key.workshop_id)
    if workshop is None or workshop.room(key.room_id) is None:
        await _refuse(websocket, CLOSE_NOT_FOUND, "No such workshop or room.", context)
        return None
    if claims.workshop_id != key.workshop_id or not claims.may_enter(key.room_id):
        reason = "This token does not open this room."
        await _refuse(websocket, CLOSE_FORBIDDEN, reason, f"{context} role={claims.role.value}")
        return None
    return claims


async def board_socket(websocket: WebSocket) -> None:
    """Serve one connection until it closes; bad input closes only this one."""
    services: Services = websocket.app.state.services
    key = RoomKey(websocket.path_params["workshop_id"], websocket.path_params["room_id"])
    # Accept first, so that browsers can read the close code and stop retrying.
    await websocket.accept()
    claims = await _authorize(websocket, services, key)
    if claims is None:
        return
    label = f"c{next(_connection_ids)}"
    room = await services.rooms.acquire(key)
    peer = Peer(
        _StarletteTransport(websocket),
        read_only=claims.role.read_only,
        sees_awareness=claims.role is not Role.OBSERVER,
        queue_limit=services.config.send_queue_limit,
        label=label,
    )
    room.add(peer)
    logger.info(
        "connect %s role=%s workshop=%s room=%s peers=%d",
        label, claims.role.value, key.workshop_id, key.room_id, len(room.peers),
    )  # fmt: skip
    code, reason = CLOSE_NORMAL, "client closed"
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                code = int(message.get("code") or CLOSE_NORMAL)
                reason = peer.close_reason or str(message.get("reason") or "client closed")
                break
            data = message.get("bytes")
            if data is None:
                code, reason = CLOSE_UNSUPPORTED_DATA, "text frames are not supported"
                break
            try:
                await room.receive(peer, data)
            except ProtocolError as exc:
                code, reason = CLOSE_BAD_FRAME, f"malformed message: {exc.reason}"
                break
            except InvalidUpdate as exc:
                code, reason = CLOSE_INVALID_UPDATE, exc.reason
                break
        if peer.close_code is None and code in _PEER_FAULTS:
            peer.close(code, reason)
    except asyncio.CancelledError:
        # The peer gave up on a close the client never read: release the
        # connection quietly. Any other cancellation is the server stopping.
        if not peer.abandoned:
            raise
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
    finally:
        room.remove(peer)
        await peer.aclose()
        services.rooms.release(room)
        logger.info(
            "disconnect %s role=%s workshop=%s room=%s code=%d reason=%r dropped_writes=%d",
            label, claims.role.value, key.workshop_id, key.room_id,
            peer.close_code or code, peer.close_reason or reason, peer.dropped_writes,
        )  # fmt: skip


routes = [WebSocketRoute("/ws/{workshop_id}/{room_id}", board_socket)]
