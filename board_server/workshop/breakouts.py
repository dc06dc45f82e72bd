"""Breakouts: the even shuffle, and the facilitator's list of people, as pure functions."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from board_server.model import Participant, Workshop


def shuffle_plan(
    people: Sequence[Participant], room_ids: Sequence[str], rng: random.Random
) -> dict[str, str]:
    """A room for each participant id: everyone in a random order, dealt round
    the rooms, so room sizes differ by at most one."""
    if not room_ids:
        return {}
    order = sorted(people, key=lambda p: p.id)
    rng.shuffle(order)
    return {p.id: room_ids[i % len(room_ids)] for i, p in enumerate(order)}


def people_list(
    workshop: Workshop, seated: Sequence[Participant], online: set[str]
) -> list[dict[str, Any]]:
    """PEOPLE (docs/protocol.md): everyone seated, by room in the workshop's
    order, then by name."""
    order = {room.id: i for i, room in enumerate(workshop.rooms)}
    ranked = sorted(seated, key=lambda p: (order.get(p.room_id, len(order)), p.name.casefold()))
    return [
        {"id": p.id, "name": p.name, "room": p.room_id, "online": p.id in online} for p in ranked
    ]
