"""``board-server export``: read a workshop from the store and write a file."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from board_server.config import Config
from board_server.export.formats import to_csv, to_json, to_markdown
from board_server.export.outcomes import RoomOutcome, add_votes, room_outcome
from board_server.model import RoomKey, VoteKey, Workshop
from board_server.rooms import doc_from_stored
from board_server.storage import Store
from board_server.storage.open import open_store, store_exists
from board_server.workshop.control import Control
from board_server.workshop.visibility import board_of, for_outside
from board_server.workshop.voting import results

RENDERERS = {"md": to_markdown, "csv": to_csv, "json": to_json}
EXPORT_FORMATS = frozenset(RENDERERS)


async def _render(config: Config, workshop_ref: str, fmt: str) -> tuple[Workshop, str] | None:
    store = open_store(config)
    await store.start()
    try:
        workshop = await store.get_workshop(workshop_ref)
        if workshop is None:
            workshop = await store.find_workshop_by_code(workshop_ref)
        if workshop is None:
            return None
        stored_control = await store.get_control(workshop.id)
        control = Control.from_bytes(stored_control.data) if stored_control else Control()
        rooms: list[RoomOutcome] = []
        for room in workshop.rooms:
            stored = await store.load_doc(RoomKey(workshop.id, room.id))
            # What leaves the room is what observers may see (workshop/visibility.py).
            settings = control.room(room.id)
            board = for_outside(
                board_of(doc_from_stored(stored)), frozenset(settings.kept + settings.hidden)
            )
            outcome = room_outcome(room.id, room.name, board)
            add_votes(outcome, await _votes(store, workshop.id, room.id, control))
            rooms.append(outcome)
    finally:
        await store.close()
    return workshop, RENDERERS[fmt](workshop, rooms)


async def _votes(
    store: Store, workshop_id: str, room_id: str, control: Control
) -> list[dict[str, Any]]:
    """The room's closed votes' results, oldest first (an open vote has none)."""
    found: list[dict[str, Any]] = []
    current = control.votes.get(room_id)
    for vote in (*control.past_votes.get(room_id, ()), *([current] if current else [])):
        tally = await store.get_tally(VoteKey(workshop_id, vote.id))
        if tally is not None:
            found.append({**results(room_id, vote, tally), "revealed": vote.state == "revealed"})
    return found


def run_export(config: Config, workshop_ref: str, fmt: str, output: str) -> int:
    """Export a workshop, named by id or join code, to a file or (with "-") stdout.

    Returns the exit status: 0 on success, 2 on a bad request. With "-",
    standard output carries the export alone; errors always go to stderr.
    """
    if fmt not in RENDERERS:
        print(f"error: there is no {fmt} export; use md, csv or json", file=sys.stderr)
        return 2
    if not store_exists(config):
        print(f"error: no workshops are kept in {config.data_dir.resolve()}: "
              "pass the server's --data-dir", file=sys.stderr)  # fmt: skip
        return 2
    rendered = asyncio.run(_render(config, workshop_ref, fmt))
    if rendered is None:
        print(f"error: no workshop has the code or id {workshop_ref!r}", file=sys.stderr)
        return 2
    workshop, text = rendered
    if output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(output).write_text(text, encoding="utf-8")
        print(f"wrote {fmt} outcomes of {workshop.title!r} to {output}")
    return 0
