"""Tablets through nginx (deploy/nginx's config) in front of three processes."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest
from browserkit import join, tablet
from clusterkit import StartCluster, StartNginx, board_sockets
from conftest import RunningServer, eventually
from playwright.async_api import Browser, Page, expect

pytestmark = [pytest.mark.redis, pytest.mark.browser]

# A board socket's line in nginx's access log (log_format board_no_query).
SOCKET_LOG = re.compile(r'"GET (/ws/\S+)" (\d+) \d+ \S+ upstream=(\S+)')


# Every text the connection indicator shows from now on, in order.
RECORD_STATUS = """() => {
  const status = document.getElementById("connection");
  window.shownStatus = [];
  new MutationObserver(() => window.shownStatus.push(status.textContent))
    .observe(status, { childList: true, characterData: true, subtree: true });
}"""


class Handshakes:
    """The board sockets' handshake answers a tablet got, read through Chromium's
    DevTools protocol (pages cannot see WebSocket response headers)."""

    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []

    @classmethod
    async def of(cls, page: Page) -> Handshakes:
        found = cls()
        cdp = await page.context.new_cdp_session(page)
        cdp.on("Network.webSocketHandshakeResponseReceived", found._received)
        await cdp.send("Network.enable")
        return found

    def _received(self, params: Any) -> None:
        headers = params["response"]["headers"]
        self.headers.append({name.lower(): value for name, value in headers.items()})

    @property
    def upstreams(self) -> list[str]:
        """Which process nginx passed each socket to (its X-Upstream header)."""
        return [headers["x-upstream"] for headers in self.headers]


async def test_two_tablets_through_nginx_land_on_two_processes_and_share_a_note(
    browser: Browser, cluster: StartCluster, nginx: StartNginx
) -> None:
    c = await cluster(3)
    proxy = await nginx(c)
    # browserkit.join only reads .http_url: the tablets go to nginx's address.
    entry = cast(RunningServer, proxy)
    ann, ben = await tablet(browser), await tablet(browser)
    ann_sockets, ben_sockets = await Handshakes.of(ann), await Handshakes.of(ben)

    await join(ann, entry, c.join_code, "Ann")
    await join(ben, entry, c.join_code, "Ben")

    # Ann's socket is open on one process, so least_conn gives Ben's to another.
    (ann_process,) = ann_sockets.upstreams
    (ben_process,) = ben_sockets.upstreams
    assert ann_process != ben_process
    assert {ann_process, ben_process} < set(c.upstreams)
    # The processes' own logs agree.
    await eventually(lambda: sum(board_sockets(p) for p in c.processes) == 2)
    assert [board_sockets(p) for p in c.processes] == [
        1 if upstream in (ann_process, ben_process) else 0 for upstream in c.upstreams
    ]

    await ann.get_by_role("button", name="Add note").click()
    await ann.get_by_label("Note text").fill("Bus stop too far")
    await expect(ben.get_by_label("Note text")).to_have_value("Bus stop too far")
    await expect(ben.locator("#note-count")).to_have_text("1 note")
    note = ben.get_by_label("Note text")
    await note.click()
    await note.press("End")
    await note.type(" at night")
    await expect(ann.get_by_label("Note text")).to_have_value("Bus stop too far at night")

    # nginx logs a socket when it closes, without its query string (the token).
    await ann.context.close()
    await ben.context.close()
    await eventually(lambda: len(SOCKET_LOG.findall(proxy.access_log)) == 2)
    assert sorted(SOCKET_LOG.findall(proxy.access_log)) == sorted(
        [("/ws/demo/r1", "101", ann_process), ("/ws/demo/r1", "101", ben_process)]
    )
    assert "token" not in proxy.access_log


async def test_a_tablet_whose_process_dies_comes_back_online_through_nginx(
    browser: Browser, cluster: StartCluster, nginx: StartNginx
) -> None:
    c = await cluster(3)
    proxy = await nginx(c)
    entry = cast(RunningServer, proxy)
    ann, ben = await tablet(browser), await tablet(browser)
    ben_sockets = await Handshakes.of(ben)
    await join(ann, entry, c.join_code, "Ann")
    await join(ben, entry, c.join_code, "Ben")
    await ann.get_by_role("button", name="Add note").click()
    await ann.get_by_label("Note text").fill("Before the crash")
    await expect(ben.get_by_label("Note text")).to_have_value("Before the crash")

    (first,) = ben_sockets.upstreams
    await ben.evaluate(RECORD_STATUS)
    await c.process_at(first).kill()
    # Ben's tablet says so, reconnects through nginx to a living process, and
    # is in the room again: Ann's next note reaches it.
    await ben.wait_for_function("window.shownStatus.at(-1) === 'Online'")
    shown = await ben.evaluate("window.shownStatus")
    assert shown[0] == "Reconnecting…" and shown[-1] == "Online", shown
    assert set(shown) <= {"Reconnecting…", "Connecting…", "Online"}, shown
    await eventually(lambda: len(ben_sockets.upstreams) == 2)
    second = ben_sockets.upstreams[-1]
    assert second != first and c.process_at(second).returncode is None
    await ann.get_by_role("button", name="Add note").click()
    await ann.get_by_label("Note text").last.fill("After the crash")
    await expect(ben.locator("#note-count")).to_have_text("2 notes")
    await expect(ben.get_by_label("Note text").last).to_have_value("After the crash")
