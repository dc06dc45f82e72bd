"""A whole workshop scripted through the real server (tablets writing their
boards, the facilitator running phases, votes, moderation and private
notes), then every export format downloaded from it and checked exactly:
what each must show, and that nothing the room withheld is in any of them."""

from __future__ import annotations

import csv
import io
import json
import secrets
import subprocess
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import jsonschema
import pytest
from channelkit import ok
from conftest import RunningServer, eventually
from hallkit import Hall, hall
from pycrdt import Map, Text
from rediskit import REDIS_URL, delete_prefix

from board_server import backup_file
from board_server.client import BoardClient
from board_server.config import Config
from board_server.export.gather import gather
from board_server.export.run import files_of
from board_server.storage import Store
from board_server.storage.open import open_store

__all__ = ["hall"]  # the fixture

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "export.schema.json").read_text())
TAG = secrets.token_hex(3)
HIDDEN = f"HIDDEN-{TAG} my neighbour's name"
KEPT = f"KEPT-{TAG} what happened at home"
DRAFT = f"DRAFT-{TAG} not shared yet"
CARD_OF_KEPT = f"CARD-{TAG} from the kept note"
WITHHELD = (HIDDEN, KEPT, DRAFT, CARD_OF_KEPT)


@dataclass
class Workshop:
    """The scripted workshop and who is in it."""

    hall: Hall
    facilitator: BoardClient
    tablets: dict[str, BoardClient]

    @property
    def id(self) -> str:
        workshop_id: str = self.hall.workshop["id"]
        return workshop_id


def note(text: str, created: int, cluster: str = "", **extra: Any) -> Map[Any]:
    return Map({"text": Text(text), "kind": "text", "cluster": cluster, "created": created,
                "x": 40.0 * created, "y": 30.0, **extra})  # fmt: skip


def card(idea: str, step: str, who: str, when: str, made_from: str, created: int) -> Map[Any]:
    words = {"idea": idea, "step": step, "who": who, "when": when, "cost": "none"}
    return Map({**{k: Text(v) for k, v in words.items()}, "note": made_from, "created": created,
                "x": 900.0, "y": 40.0})  # fmt: skip


async def arrived(client: BoardClient, hall: Hall, room: str) -> None:
    """Wait until the server's room holds everything this tablet wrote."""
    mine = {root: set(client.doc.get(root, type=Map).keys()) for root in ("notes", "actions")}
    server_doc = hall.room(room).doc

    def holds_all() -> bool:
        return all(
            keys <= set(server_doc.get(root, type=Map).keys()) for root, keys in mine.items()
        )

    await eventually(holds_all)


async def script(hall: Hall) -> Workshop:
    """Two tables write, group, map and vote; the facilitator hides a note,
    keeps one in the room, and leaves a private draft unrevealed."""
    facilitator = await hall.facilitator()
    people = (("Ann", "r1"), ("Bob", "r1"), ("Cy", "r2"), ("Dee", "r2"))
    seats = {name: await hall.join(name, room) for name, room in people}
    tablets = {name: await hall.open(seat.token, seat.room) for name, seat in seats.items()}
    await ok(facilitator, "room.prompt", {"room": "r1", "text": "How do you get about after dark?"})
    await ok(facilitator, "room.prompt", {"room": "r2", "text": "What keeps you at home?"})
    await ok(facilitator, "phase.set", {"phase": "ideate"})

    ann = tablets["Ann"].doc
    with ann.transaction():
        clusters = ann.get("clusters", type=Map)
        clusters["c1"] = Map({"title": Text("Getting about"), "created": 1})
        clusters["c2"] = Map({"title": Text("Feeling alone"), "created": 2})
        notes = ann.get("notes", type=Map)
        notes["n1"] = note("No buses after 6pm", 1, "c1")
        notes["n2"] = note("Taxis cost too much", 2, "c1")
        notes["n3"] = note("Lonely since my wife died", 3, "c2")
        notes["n4"] = note("Нет автобусов вечером", 4, "c1")
        notes["n5"] = Map({"text": Text("night bus"), "kind": "emoji", "emoji": "🚌",
                           "cluster": "", "created": 5, "x": 300.0, "y": 200.0})  # fmt: skip
        notes["n6"] = note(HIDDEN, 6)
        notes["n7"] = note(KEPT, 7)
        nodes = ann.get("nodes", type=Map)
        for fid, label, created in (("f1", "Isolation", 1), ("f2", "Health", 2),
                                    ("f3", "Going out", 3)):  # fmt: skip
            nodes[fid] = Map({"label": Text(label), "description": f"About {label.lower()}",
                              "x": 200.0 * created, "y": 100.0, "created": created})  # fmt: skip
        links = ann.get("links", type=Map)
        for lid, source, target, polarity, delay, created in (
            ("l1", "f1", "f2", "-", False, 1),
            ("l2", "f2", "f3", "+", True, 2),
            ("l3", "f3", "f1", "-", False, 3),
        ):
            links[lid] = Map({"from": source, "to": target, "polarity": polarity,
                              "delay": delay, "label": "", "created": created})  # fmt: skip
        actions = ann.get("actions", type=Map)
        actions["a1"] = card("A bus at 10 pm", "Phone the bus company", "Transport officer",
                             "Friday noon", "n1", 10)  # fmt: skip
        actions["a2"] = card(CARD_OF_KEPT, "Talk it through", "Social worker", "Monday", "n7", 11)
    cy = tablets["Cy"].doc
    with cy.transaction():
        notes = cy.get("notes", type=Map)
        notes["m1"] = note("The bus stops running in the evening", 1)
        notes["m2"] = note("لا توجد حافلات في المساء", 2)
        notes["m3"] = note("Nobody to talk to", 3)
    await arrived(tablets["Ann"], hall, "r1")
    await arrived(tablets["Cy"], hall, "r2")

    await ok(facilitator, "note.hide", {"room": "r1", "note": "n6"})
    await ok(facilitator, "note.keep_in_room", {"room": "r1", "note": "n7", "on": True})
    await ok(facilitator, "private.set", {"on": True, "room": "r2"})
    await ok(tablets["Dee"], "draft.add", {"text": DRAFT})

    await ok(facilitator, "phase.set", {"phase": "vote"})
    await ok(facilitator, "vote.open", {"mode": "dots", "room": "r1"})
    # Ann: 2 on n1, 1 on n2; Bob: 1 on n1 and 1 on n3. So n1 3, n2 1, n3 1.
    for name, item in (("Ann", "n1"), ("Ann", "n1"), ("Ann", "n2"), ("Bob", "n1"), ("Bob", "n3")):
        await ok(tablets[name], "vote.cast", {"item": item, "amount": 1})
    await ok(facilitator, "vote.reveal", {"room": "r1"})
    await ok(facilitator, "vote.open", {"mode": "scale", "room": "r2"})
    for name, item, score in (("Cy", "m1", 5), ("Dee", "m1", 4), ("Cy", "m3", 2), ("Dee", "m3", 3)):
        await ok(tablets[name], "vote.cast", {"item": item, "amount": score})
    await ok(facilitator, "vote.reveal", {"room": "r2"})
    await ok(facilitator, "phase.set", {"phase": "plan"})
    return Workshop(hall, facilitator, tablets)


@pytest.fixture
async def http(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=60) as client:
        yield client


async def download(http: httpx.AsyncClient, workshop: Workshop, fmt: str) -> dict[str, bytes]:
    """An export's files by name (a zip's, without its folder)."""
    answer = await http.get(
        f"/api/workshops/{workshop.id}/export",
        params={"format": fmt},
        headers={"Authorization": f"Bearer {workshop.hall.workshop['facilitator_token']}"},
    )
    assert answer.status_code == 200, answer.text
    if answer.headers["content-type"] != "application/zip":
        return {fmt: answer.content}
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def svg_words(content: bytes) -> set[str]:
    """Every <title> and every <text> of a picture, whole (a text's lines joined)."""
    root = ElementTree.fromstring(content)
    found: set[str] = set()
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("title", "text"):
            found.add(" ".join("".join(element.itertext()).split()))
    return found


def pdf_text(content: bytes, folder: Path) -> str:
    """The PDF's text as poppler's pdftotext reads it."""
    path = folder / "report.pdf"
    path.write_bytes(content)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, timeout=60)  # fmt: skip
    return done.stdout.decode()


def rows(content: bytes) -> list[dict[str, str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


async def test_every_format_shows_the_workshop_and_nothing_it_withheld(
    hall: Hall, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    workshop = await script(hall)
    formats = ("md", "pdf", "csv", "json", "svg")
    files = {fmt: await download(http, workshop, fmt) for fmt in formats}

    report = files["md"]["md"].decode()
    for expected in (
        "#### Getting about\n- No buses after 6pm\n- Taxis cost too much\n"
        "- Нет автобусов вечером\n",
        "#### Feeling alone\n- Lonely since my wife died\n",
        "#### Notes not in a group\n- 🚌 night bus\n",
        "**Question:** How do you get about after dark?",
        "1. No buses after 6pm: 3\n2. Taxis cost too much: 1\n3. Lonely since my wife died: 1\n",
        "1. The bus stops running in the evening: average 4.5 (4: 1, 5: 1)\n",
        "- **R1** (reinforcing, with a delay): Isolation → Health → Going out → Isolation",
        "| 1 | A bus at 10 pm | Phone the bus company | Transport officer | Friday noon | none "
        "| Table 1 |",
        "| Every room | Ideas |",
        "| Every room | Plan actions |",
        "![The system map of Table 1](data:image/svg+xml;base64,",
        # Two tables said the same in other words: a theme (export/themes.py).
        "- **night bus** (Table 1, Table 2)\n  - No buses after 6pm (Table 1)\n"
        "  - night bus (Table 1)\n  - The bus stops running in the evening (Table 2)\n"
        "  - *How it was found:* Grouped because their words mean nearly the same",
    ):
        assert expected in report, expected

    notes = rows(files["csv"]["notes.csv"])
    votes = {row["note id"]: row["votes"] for row in notes if row["room"] == "Table 1"}
    assert votes == {"n1": "3", "n2": "1", "n3": "1", "n4": "0", "n5": "0"}
    scale = {row["note id"]: (row["agreement average"], row["agreement 1-5"])
             for row in notes if row["room"] == "Table 2"}  # fmt: skip
    assert scale == {"m1": ("4.5", "0 0 0 1 1"), "m2": ("", ""), "m3": ("2.5", "0 1 1 0 0")}
    links = rows(files["csv"]["links.csv"])
    assert [(r["from"], r["to"], r["polarity"], r["delay"], r["loops"]) for r in links] == [
        ("Isolation", "Health", "negative", "no", "R1"),
        ("Health", "Going out", "positive", "yes", "R1"),
        ("Going out", "Isolation", "negative", "no", "R1"),
    ]
    actions = rows(files["csv"]["actions.csv"])
    assert [(r["idea"], r["first step"], r["who"], r["from note"]) for r in actions] == [
        ("A bus at 10 pm", "Phone the bus company", "Transport officer", "No buses after 6pm")
    ]

    data = json.loads(files["json"]["json"])
    jsonschema.validate(data, SCHEMA)
    assert [room["people"] for room in data["rooms"]] == [2, 2]
    assert [n["id"] for n in data["rooms"][0]["notes"]] == ["n1", "n2", "n3", "n4", "n5"]
    bus = next(theme for theme in data["themes"] if theme["label"] == "night bus")
    assert [(i["room"], i["id"]) for i in bus["items"]] == [
        ("Table 1", "n1"), ("Table 1", "n5"), ("Table 2", "m1")
    ]  # fmt: skip

    pictures = files["svg"]
    assert sorted(pictures) == [
        "01-table-1-board.svg", "01-table-1-map.svg", "02-table-2-board.svg", "02-table-2-map.svg"
    ]  # fmt: skip
    board_1 = svg_words(pictures["01-table-1-board.svg"])
    for text in ("No buses after 6pm", "Taxis cost too much", "Lonely since my wife died",
                 "Нет автобусов вечером", "night bus", "Getting about", "Feeling alone",
                 "A bus at 10 pm"):  # fmt: skip
        assert text in board_1, text
    board_2 = svg_words(pictures["02-table-2-board.svg"])
    for text in ("The bus stops running in the evening", "Nobody to talk to"):
        assert text in board_2, text
    map_1 = svg_words(pictures["01-table-1-map.svg"])
    for text in ("Isolation", "Health", "Going out", "R1"):
        assert text in map_1, text

    pdf = pdf_text(files["pdf"]["pdf"], tmp_path)
    for text in ("No buses after 6pm", "Нет автобусов вечером", "A bus at 10 pm",
                 "Phone the bus company", "R1", "Isolation", "night bus", "🚌",
                 "The bus stops running in the evening", "What happens next"):  # fmt: skip
        assert text in pdf, text
    # The PDF's own bytes are compressed: its text is what must not hold them.
    everything = pdf.encode() + b"".join(
        content for fmt, found in files.items() if fmt != "pdf" for content in found.values()
    )
    for text in WITHHELD:
        assert text.encode() not in everything, text
    for tablet in workshop.tablets.values():
        assert str(tablet.doc.client_id).encode() not in everything


async def exports_from(store: Store, workshop_id: str) -> dict[str, dict[str, bytes]]:
    """Every format, rendered from a store at one fixed time."""
    workshop = await store.get_workshop(workshop_id)
    assert workshop is not None
    data = await gather(store, workshop, now=1_780_000_000.0)
    return {fmt: files_of(data, fmt) for fmt in ("md", "pdf", "csv", "json", "svg")}


@pytest.mark.redis
async def test_a_backup_restored_into_redis_and_back_gives_the_same_exports(
    server: RunningServer, hall: Hall, tmp_path: Path
) -> None:
    workshop = await script(hall)
    await server.services.store.flush()
    before = await exports_from(server.services.store, workshop.id)
    dump = await server.services.store.dump_workshop(workshop.id)
    assert dump is not None
    prefix = f"test:{tmp_path.name}:{secrets.token_hex(4)}:"
    in_redis = open_store(Config(redis_url=REDIS_URL, redis_prefix=prefix))
    back_in_sqlite = open_store(Config(data_dir=tmp_path / "again"))
    try:
        await in_redis.start()
        # Through the file's bytes, as board-server backup and restore do.
        restored = backup_file.from_bytes(backup_file.to_bytes(backup_file.Backup(0.0, dump)))
        await in_redis.load_workshop(restored.dump)
        assert await exports_from(in_redis, workshop.id) == before
        again = await in_redis.dump_workshop(workshop.id)
        assert again is not None
        await back_in_sqlite.start()
        await back_in_sqlite.load_workshop(again)
        assert await exports_from(back_in_sqlite, workshop.id) == before
    finally:
        await in_redis.close()
        await back_in_sqlite.close()
        await delete_prefix(prefix)
