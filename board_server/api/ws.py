"""WS /ws/{workshop_id}/{room_id}?token=: one room's board, y-websocket protocol."""

from __future__ import annotations

import logging
from itertools import count

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from board_server.api.socket import BoardSocketProtocol, board_socket_of
from board_server.auth import AuthError, Claims
from board_server.errors import BoardError, Close
from board_server.model import Participant, Role, RoomKey, Workshop
from board_server.rooms import Peer, Session
from board_server.services import Services

logger = logging.getLogger("board.connection")

_connection_ids = count(1)


async def _refuse(websocket: WebSocket, code: int, reason: str, context: str) -> None:
    logger.info("refused %s: code=%d reason=%r", context, code, reason)
    await websocket.close(code, reason)


async def _seat(
    websocket: WebSocket, services: Services, workshop: Workshop, claims: Claims
) -> Participant | None:
    participant = await services.workshops.claim_seat(workshop, claims)
    if participant is None:
        # Left on this or another device, or a seat that was never used
        # lapsed and went to someone else: joining again gives a new one.
        reason = "This tablet is no longer in the workshop."
        context = f"workshop={workshop.id} role=participant"
        await _refuse(websocket, Close.UNAUTHORIZED, reason, context)
    return participant


async def _authorize(websocket: WebSocket, services: Services, key: RoomKey) -> Claims | None:
    context = f"workshop={key.workshop_id} room={key.room_id}"
    try:
        claims = services.signer.verify(websocket.query_params.get("token"))
    except AuthError as exc:
        await _refuse(websocket, Close.UNAUTHORIZED, exc.detail, context)
        return None
    workshop = await services.workshops.get(key.workshop_id)
    if workshop is None or workshop.room(key.room_id) is None:
        await _refuse(websocket, Close.NOT_FOUND, "No such workshop or room.", context)
        return None
    await services.commands.prepare(key.workshop_id)
    if claims.workshop_id != key.workshop_id:
        reason = "This token does not open this room."
        await _refuse(websocket, Close.FORBIDDEN, reason, f"{context} role={claims.role.value}")
        return None
    if not claims.may_enter(key.room_id):
        # A participant may look at the room in the spotlight, and at every
        # room during its own room's gallery walk, read only.
        home = claims.room_id or ""
        if not services.commands.may_visit(key.workshop_id, home, key.room_id):
            reason = "This token does not open this room."
            await _refuse(websocket, Close.FORBIDDEN, reason, f"{context} role={claims.role.value}")
            return None
        seated = await _seat(websocket, services, workshop, claims)
        if seated is None:
            return None
        if seated.room_id != home and not services.commands.in_spotlight(key):
            # A gallery walk is its room's: an old token of a moved participant
            # does not walk with the room it left.
            reason = "You have moved to another room."
            await _refuse(websocket, Close.FORBIDDEN, reason, f"{context} role=participant")
            return None
        return claims
    if claims.role is Role.PARTICIPANT:
        participant = await _seat(websocket, services, workshop, claims)
        if participant is None:
            return None
        if participant.room_id != key.room_id:
            reason = "You have moved to another room."
            await _refuse(websocket, Close.FORBIDDEN, reason, f"{context} role=participant")
            return None
    return claims


async def _pump(websocket: WebSocket, peer: Peer) -> tuple[int, str]:
    """Hand the peer what the fast path does not take (text, fragmented binary)
    until the client goes; the close code and reason."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return int(message.get("code") or Close.NORMAL), str(
                message.get("reason") or "client closed"
            )
        data = message.get("bytes")
        if data is not None:
            peer.received(data)
        else:
            peer.close(Close.UNSUPPORTED_DATA, "text frames are not supported")


async def board_socket(websocket: WebSocket) -> None:
    """Serve one connection until it closes."""
    services: Services = websocket.app.state.services
    key = RoomKey(websocket.path_params["workshop_id"], websocket.path_params["room_id"])
    # Accept first, so that browsers can read the close code and stop retrying.
    await websocket.accept()
    socket = board_socket_of(websocket.scope)
    if socket is None:
        logger.error("board sockets need board_server's uvicorn protocol (server.py)")
        await websocket.close(Close.INTERNAL_ERROR, "server misconfigured")
        return
    claims = await _authorize(websocket, services, key)
    if claims is None:
        return
    await _serve(websocket, socket, services, key, claims)


async def _serve(
    websocket: WebSocket,
    socket: BoardSocketProtocol,
    services: Services,
    key: RoomKey,
    claims: Claims,
) -> None:
    label = f"c{next(_connection_ids)}"
    participant = claims.role is Role.PARTICIPANT
    session = Session(
        claims.role,
        participant_id=claims.participant_id if participant else None,
        holder_id=claims.participant_id,
        spectator=participant and claims.room_id != key.room_id,
        home=claims.room_id if participant else None,
    )
    present = participant and not session.spectator
    try:
        room = await services.rooms.acquire(key)
    except BoardError as exc:  # its workshop was deleted as this socket opened
        context = f"workshop={key.workshop_id} room={key.room_id}"
        await _refuse(websocket, Close.NOT_FOUND, exc.detail, context)
        return
    peer = room.connect(socket, session, queue_limit=services.config.send_queue_limit, label=label)
    socket.attach(peer)
    if present:
        services.commands.connected(key.workshop_id, claims.participant_id)
    logger.info(
        "connect %s role=%s workshop=%s room=%s peers=%d",
        label, claims.role.value, key.workshop_id, key.room_id, len(room.peers),
    )  # fmt: skip
    code: int = Close.NORMAL
    reason = "client closed"
    try:
        code, reason = await _pump(websocket, peer)
    finally:
        peer.close(code, reason)
        room.remove(peer)
        services.rooms.release(room)
        if present:
            services.commands.disconnected(key.workshop_id, claims.participant_id)
        logger.info(
            "disconnect %s role=%s workshop=%s room=%s code=%d reason=%r dropped_writes=%d",
            label, claims.role.value, key.workshop_id, key.room_id,
            peer.close_code, peer.close_reason, peer.dropped_writes,
        )  # fmt: skip


async def workshop_socket(websocket: WebSocket) -> None:
    """WS /ws/{workshop_id}?token=: the command channel alone, with no board."""
    services: Services = websocket.app.state.services
    workshop_id = websocket.path_params["workshop_id"]
    await websocket.accept()
    socket = board_socket_of(websocket.scope)
    if socket is None:
        await websocket.close(Close.INTERNAL_ERROR, "server misconfigured")
        return
    context = f"workshop={workshop_id} channel"
    try:
        claims = services.signer.verify(websocket.query_params.get("token"))
    except AuthError as exc:
        await _refuse(websocket, Close.UNAUTHORIZED, exc.detail, context)
        return
    workshop = await services.workshops.get(workshop_id)
    if workshop is None:
        await _refuse(websocket, Close.NOT_FOUND, "No such workshop.", context)
        return
    if claims.workshop_id != workshop_id:
        await _refuse(websocket, Close.FORBIDDEN, "This token is for another workshop.", context)
        return
    room_id: str | None = None
    if claims.role is Role.PARTICIPANT:
        participant = await _seat(websocket, services, workshop, claims)
        if participant is None:
            return
        room_id = participant.room_id
    session = Session(
        claims.role,
        participant_id=claims.participant_id if claims.role is Role.PARTICIPANT else None,
        holder_id=claims.participant_id,
    )
    label = f"c{next(_connection_ids)}"
    lobby = services.commands.lobby(workshop_id, room_id)
    peer = Peer(lobby, socket, session, queue_limit=services.config.send_queue_limit, label=label)
    socket.attach(peer)
    logger.info("connect %s role=%s workshop=%s channel", label, claims.role.value, workshop_id)
    code: int = Close.NORMAL
    reason = "client closed"
    try:
        code, reason = await _pump(websocket, peer)
    finally:
        peer.close(code, reason)
        logger.info(
            "disconnect %s role=%s workshop=%s channel code=%d",
            label, claims.role.value, workshop_id, peer.close_code,
        )  # fmt: skip


routes = [
    WebSocketRoute("/ws/{workshop_id}/{room_id}", board_socket),
    WebSocketRoute("/ws/{workshop_id}", workshop_socket),
]
