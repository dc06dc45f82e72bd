"""The gallery walk's build-ons: a visiting room's note on another room's board.

A tablet in a gallery walk reads the other rooms' boards (read only, see
``CommandHub.may_visit``) and sends ``buildon.add``; the server writes the
build-on into the visited board's ``buildons`` lane itself, labelled with
the visiting room's name and under a client id of its own, so that nothing
in the board ties it to a tablet or a person (docs/schema.md).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from typing import Any

from pycrdt import Map

from board_server.errors import BoardError
from board_server.model import RoomInfo, Workshop
from board_server.workshop.drafts import server_doc

MAX_BUILDON = 300


def parse(workshop: Workshop, home: str, args: Mapping[str, Any]) -> tuple[RoomInfo, str]:
    """The visited room and the build-on's text, from ``buildon.add``'s arguments."""
    room_id = args.get("room")
    if not isinstance(room_id, str):
        raise BoardError("invalid", "Say which room's board: 'room'.")
    room = workshop.room(room_id)
    if room is None:
        raise BoardError("not_found", f"There is no room '{room_id[:40]}'.")
    if room.id == home:
        raise BoardError("invalid", "Build-ons go on the other rooms' boards.")
    text = args.get("text")
    if not isinstance(text, str):
        raise BoardError("invalid", "'text' must be text.")
    text = text.strip()
    if not 1 <= len(text) <= MAX_BUILDON:
        raise BoardError("invalid", f"A build-on is 1 to {MAX_BUILDON} characters.")
    return room, text


def buildon_update(
    state: bytes, text: str, home: RoomInfo, *, now_ms: int, rng: random.Random
) -> tuple[bytes, dict[str, Any]]:
    """The update that adds one build-on to a board whose whole state is
    ``state``, and the build-on as the reply shows it."""
    doc = server_doc(state, rng)
    lane = doc.get("buildons", type=Map)
    buildon_id = secrets.token_urlsafe(9)
    fields = {"text": text, "room": home.id, "from": home.name, "created": now_ms}
    before = doc.get_state()
    with doc.transaction(origin="buildon"):
        lane[buildon_id] = Map(fields)
    return doc.get_update(before), {"id": buildon_id, **fields}
