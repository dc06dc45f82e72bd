"""QR codes of join links carry the server's public address (issue 9, item 1)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import segno
from conftest import start_server

from board_server.api.qr import join_qr_svg

DARK = re.compile(r'class="qrline"[^>]* d="([^"]+)"')


async def test_join_qr_codes_use_the_public_url(tmp_path: Path) -> None:
    server, stop = await start_server(tmp_path / "data", public_url="https://board.example.org")
    try:
        workshop = await server.create_workshop(title="Housing futures")
        code = workshop["join_code"]
        async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
            whole = await http.get(f"/join/{code.lower()}/qr.svg")
            room = await http.get(f"/join/{code}/qr.svg", params={"room": "r2"})
            unknown = await http.get("/join/NOPE42/qr.svg")
            no_room = await http.get(f"/join/{code}/qr.svg", params={"room": "r9"})
    finally:
        await stop()
    link = f"https://board.example.org/join/{code}"
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "image/svg+xml"
    assert whole.content == join_qr_svg(link, "Join Housing futures")
    assert room.content == join_qr_svg(f"{link}?room=r2", "Join Housing futures, Table 2")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_code")
    assert (no_room.status_code, no_room.json()["error"]) == (404, "unknown_room")


def test_the_svg_is_the_qr_code_of_exactly_that_link() -> None:
    link = "http://192.168.1.20:8000/join/K7QX2M?room=r1"
    svg = join_qr_svg(link, "Join").decode()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox=')
    assert "<title>Join</title>" in svg
    # The dark modules are segno's drawing of that link's matrix, and of no other.
    (modules,) = DARK.findall(svg)
    assert DARK.findall(segno.make(link, error="m").svg_inline(border=4)) == [modules]
    assert DARK.findall(segno.make(link + "x", error="m").svg_inline(border=4)) != [modules]
