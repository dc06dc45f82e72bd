"""Tablets on the hall's Wi-Fi reach the server (issue 9, item 1).

The server runs in a network namespace of its own, a stand-in for the
facilitator's laptop on the hall's network: it has one network card, joined
to this machine by a virtual cable. It is started as a person would, with
``--host 0.0.0.0``, and the links it prints must carry the address the
tablets can reach; Chromium, outside the namespace, opens the printed join
link through that address and joins.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from browserkit import ARTIFACTS, tablet
from playwright.async_api import Browser, expect
from serverproc import ServerProcess

from board_server.netaddr import lan_address

pytestmark = pytest.mark.browser


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def hall_laptop() -> Iterator[tuple[str, str]]:
    """A network namespace with one card at its own address; yields (namespace, address)."""
    if os.geteuid() != 0:
        pytest.skip("making a network namespace needs root (CI runs as root)")
    tag = secrets.token_hex(3)
    namespace, outside, inside = f"board-{tag}", f"bh{tag}", f"bl{tag}"
    subnet = f"10.{200 + secrets.randbelow(50)}.{secrets.randbelow(250)}"
    _ip("netns", "add", namespace)
    try:
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", namespace)
        _ip("addr", "add", f"{subnet}.1/24", "dev", outside)
        _ip("link", "set", outside, "up")
        for command in (
            ["addr", "add", f"{subnet}.2/24", "dev", inside],
            ["link", "set", inside, "up"],
            ["link", "set", "lo", "up"],
        ):
            _ip("netns", "exec", namespace, "ip", *command)
        yield namespace, f"{subnet}.2"
    finally:
        subprocess.run(["ip", "link", "del", outside], capture_output=True, timeout=30)
        _ip("netns", "del", namespace)


async def test_links_on_all_interfaces_carry_the_lan_address(
    tmp_path: Path, spawn: Callable[[], ServerProcess]
) -> None:
    server = spawn()
    await server.start(tmp_path / "data", extra_args=["--host", "0.0.0.0"])
    address = lan_address()
    assert address is not None
    assert server.printed_url == f"http://{address}:{server.port}"
    assert f"  Join link: http://{address}:{server.port}/join/{server.join_code}" in (
        server.stdout_lines
    )
    assert server.admin_url.startswith(f"http://{address}:{server.port}/admin?token=")
    assert not any("localhost" in line for line in server.stdout_lines)


async def test_a_tablet_opens_the_printed_link_through_the_network(
    tmp_path: Path,
    spawn: Callable[[], ServerProcess],
    browser: Browser,
    hall_laptop: tuple[str, str],
) -> None:
    namespace, address = hall_laptop
    server = spawn()
    await server.start(
        tmp_path / "data",
        extra_args=["--host", "0.0.0.0"],
        prefix=["ip", "netns", "exec", namespace],
    )
    base = f"http://{address}:{server.port}"
    assert server.printed_url == base
    join_link = f"{base}/join/{server.join_code}"
    assert f"  Join link: {join_link}" in server.stdout_lines

    async with httpx.AsyncClient(timeout=10) as http:
        listed = await http.get(
            f"{base}/api/workshops", headers={"Authorization": f"Bearer {server.admin_token}"}
        )
    assert [w["join_url"] for w in listed.json()["workshops"]] == [join_link]

    page = await tablet(browser)
    await page.goto(join_link)
    await page.get_by_label("Your name or a nickname").fill("Ann")
    await page.get_by_role("button", name="Join").click()
    await page.wait_for_url(f"{base}/board")
    await expect(page.locator("#connection")).to_have_text("Online")
    await page.get_by_role("button", name="Add note").click()
    await page.get_by_label("Note text").fill("Reached over the hall's network")
    await expect(page.locator("#note-count")).to_have_text("1 note")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "hall-network.png"))
