"""``board-server export``: read a workshop from the store and write a file."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from board_server.config import Config
from board_server.export.formats import to_csv, to_json, to_markdown
from board_server.export.outcomes import RoomOutcome, room_outcome
from board_server.model import RoomKey
from board_server.rooms import doc_from_stored

RENDERERS = {"md": to_markdown, "csv": to_csv, "json": to_json}


async def _render(config: Config, workshop_id: str, fmt: str) -> tuple[str, str] | None:
    from board_server.app import build_store

    store = build_store(config)
    await store.start()
    try:
        workshop = await store.get_workshop(workshop_id)
        if workshop is None:
            return None
        rooms: list[RoomOutcome] = []
        for room in workshop.rooms:
            stored = await store.load_doc(RoomKey(workshop.id, room.id))
            rooms.append(room_outcome(room.id, room.name, doc_from_stored(stored)))
    finally:
        await store.close()
    return workshop.title, RENDERERS[fmt](workshop, rooms)


def run_export(config: Config, workshop_id: str, fmt: str, output: Path) -> int:
    """Exit status of an export: 0 on success, 2 on a bad request."""
    if fmt not in RENDERERS:
        print(f"error: the {fmt} export is not available yet; use md, csv or json",
              file=sys.stderr)  # fmt: skip
        return 2
    rendered = asyncio.run(_render(config, workshop_id, fmt))
    if rendered is None:
        print(f"error: no workshop with id {workshop_id!r}", file=sys.stderr)
        return 2
    title, text = rendered
    output.write_text(text, encoding="utf-8")
    print(f"wrote {fmt} outcomes of {title!r} to {output}")
    return 0
