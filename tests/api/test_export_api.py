"""GET /api/workshops/{id}/export: the facilitator (or the admin) downloads
the report, the data or the spreadsheets of a running workshop, with what
the observers' filter withholds left out; nobody else may."""

from __future__ import annotations

import csv
import io
import json
import secrets
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from channelkit import ok
from conftest import RunningServer, eventually
from hallkit import Hall, hall
from pycrdt import Map, Text

from board_server.client import post_json

__all__ = ["hall"]  # the fixture

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "export.schema.json").read_text())
SHOWN = "Buses stop at six " + secrets.token_hex(4)
HIDDEN = "hidden-" + secrets.token_hex(6)
FORMULA = '=HYPERLINK("http://evil.example/")'


@pytest.fixture
async def http(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def board_with_a_hidden_note(hall: Hall) -> None:
    """Table r1: three notes by Ann; the facilitator hides one."""
    ann = await hall.open((await hall.join("Ann", "r1")).token, "r1")
    notes = ann.doc.get("notes", type=Map)
    with ann.doc.transaction():
        for note_id, words in (("n1", SHOWN), ("n2", HIDDEN), ("n3", FORMULA)):
            notes[note_id] = Map({"text": Text(words), "kind": "text", "created": 1000})
    room = hall.room("r1")
    await eventually(lambda: len(room.doc.get("notes", type=Map)) == 3)
    facilitator = await hall.facilitator()
    await ok(facilitator, "note.hide", {"room": "r1", "note": "n2"})


async def test_the_facilitator_downloads_each_format_without_what_is_withheld(
    hall: Hall, http: httpx.AsyncClient
) -> None:
    await board_with_a_hidden_note(hall)
    workshop = hall.workshop
    url = f"/api/workshops/{workshop['id']}/export"
    token = bearer(workshop["facilitator_token"])

    report = await http.get(url, params={"format": "md"}, headers=token)
    assert report.status_code == 200, report.text
    assert report.headers["content-type"] == "text/markdown; charset=utf-8"
    disposition = report.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="') and disposition.endswith('-report.md"')
    assert report.headers["cache-control"] == "no-store"
    assert f"- {SHOWN}\n" in report.text

    data = await http.get(url, params={"format": "json"}, headers=token)
    assert data.status_code == 200, data.text
    exported: dict[str, Any] = data.json()
    jsonschema.validate(exported, SCHEMA)
    r1 = next(room for room in exported["rooms"] if room["id"] == "r1")
    assert [(n["id"], n["text"]) for n in r1["notes"]] == [("n1", SHOWN), ("n3", FORMULA)]

    tables = await http.get(url, params={"format": "csv"}, headers=token)
    assert tables.status_code == 200, tables.text
    assert tables.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(tables.content)) as archive:
        names = sorted(archive.namelist())
        assert [name.split("/")[1] for name in names] == ["actions.csv", "links.csv", "notes.csv"]
        notes_csv = archive.read(next(n for n in names if n.endswith("notes.csv"))).decode()
        everything = b"".join(archive.read(name) for name in names)
    rows = list(csv.reader(io.StringIO(notes_csv.removeprefix("\ufeff"))))
    assert [row[2] for row in rows[1:]] == [SHOWN, "'" + FORMULA]

    for body in (report.content, data.content, everything):
        assert HIDDEN.encode() not in body


async def test_only_its_facilitator_or_the_admin_may_export(
    server: RunningServer, hall: Hall, http: httpx.AsyncClient
) -> None:
    workshop = hall.workshop
    url = f"/api/workshops/{workshop['id']}/export"
    other = await server.create_workshop("Another workshop")
    seat = await hall.join("Bo", "r1")
    viewer = await server.role_token(workshop, "viewer")
    observer = await server.role_token(workshop, "observer")
    for token in (seat.token, viewer, observer, other["facilitator_token"]):
        refused = await http.get(url, params={"format": "md"}, headers=bearer(token))
        assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    missing = await http.get(url, params={"format": "md"})
    assert (missing.status_code, missing.json()["error"]) == (401, "missing_token")
    admin = bearer(server.config.admin_token or "")
    assert (await http.get(url, params={"format": "json"}, headers=admin)).status_code == 200
    odd = await http.get(url, params={"format": "docx"}, headers=admin)
    assert (odd.status_code, odd.json()["error"]) == (400, "invalid")
    gone = await http.get("/api/workshops/nope/export", params={"format": "md"}, headers=admin)
    assert (gone.status_code, gone.json()["error"]) == (404, "unknown_workshop")


async def test_names_only_when_the_workshop_chose_named_notes_and_the_export_asks(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    admin = server.config.admin_token
    named = await post_json(
        f"{server.http_url}/api/workshops",
        {"title": "Named", "rooms": ["Table 1"], "anonymous": False},
        admin,
    )
    anonymous = await server.create_workshop("Anonymous", rooms=("Table 1",))
    for workshop in (named, anonymous):
        hall = Hall(server, workshop)
        try:
            ann = await hall.open((await hall.join("Ann Example", "r1")).token, "r1")
            ann.doc.get("notes", type=Map)["n1"] = Map(
                {"text": Text(SHOWN), "kind": "text", "author": "Ann Example", "created": 1}
            )
            room = hall.room("r1")
            await eventually(lambda room=room: "n1" in room.doc.get("notes", type=Map))
        finally:
            await hall.close()
        url = f"/api/workshops/{workshop['id']}/export"
        token = bearer(workshop["facilitator_token"])
        for names in ("1", "0"):
            params = {"format": "json", "names": names}
            data = (await http.get(url, params=params, headers=token)).json()
            included = workshop is named and names == "1"
            assert data["workshop"]["names_included"] is included
            (note,) = data["rooms"][0]["notes"]
            assert note.get("author") == ("Ann Example" if included else None)
            tables = await http.get(url, params={"format": "csv", "names": names}, headers=token)
            with zipfile.ZipFile(io.BytesIO(tables.content)) as archive:
                (notes_csv,) = [n for n in archive.namelist() if n.endswith("notes.csv")]
                text = archive.read(notes_csv).decode("utf-8-sig")
            row = next(csv.DictReader(io.StringIO(text)))
            assert row.get("written by") == ("Ann Example" if included else None)
            report = await http.get(url, params={"format": "md", "names": names}, headers=token)
            assert (f"- {SHOWN} (by Ann Example)\n" in report.text) is included
            assert ("Ann Example" in report.text) is included
