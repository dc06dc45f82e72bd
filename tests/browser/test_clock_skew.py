"""The countdown follows the server's clock, not the tablet's.

Tablets in a hall are often minutes off. The server sends its time in the
hello reply and in every push, and each screen counts down to the server's
end time from its own clock corrected by the difference.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from browserkit import join, tablet
from conftest import RunningServer
from playwright.async_api import Browser, expect

from board_server.client import BoardClient

pytestmark = pytest.mark.browser

# This device's clock runs `skew` ms off (before any page script runs).
SKEWED_CLOCK = """(skew) => {
  const realNow = Date.now.bind(Date);
  const RealDate = Date;
  Date.now = () => realNow() + skew;
  globalThis.Date = class extends RealDate {
    constructor(...args) { if (args.length) super(...args); else super(realNow() + skew); }
    static now() { return realNow() + skew; }
  };
}"""


@pytest.mark.parametrize("minutes", [47, -47], ids=["ahead", "behind"])
async def test_a_tablet_with_a_wrong_clock_shows_the_right_time_left(
    browser: Browser, server: RunningServer, workshop: dict[str, Any], minutes: int
) -> None:
    page = await tablet(browser)
    skew = minutes * 60_000
    await page.context.add_init_script(f"({SKEWED_CLOCK})({skew})")
    await join(page, server, workshop["join_code"], "Ann")
    assert (
        abs(
            await page.evaluate("Date.now()")
            - await page.evaluate("performance.timeOrigin + performance.now()")
            - skew
        )
        < 5_000
    )

    facilitator = BoardClient(
        server.http_url, workshop["id"], None, workshop["facilitator_token"], commands=True
    )
    async with facilitator:
        async with asyncio.timeout(10):
            await facilitator.said_hello.wait()
        reply = await facilitator.request("timer.start", {"seconds": 600})
        assert reply["ok"], reply
        clock = page.get_by_role("timer")
        await expect(clock).to_have_attribute("data-state", "running")
        # 10:00 or 9:5x: never 57 minutes, never "Time is up".
        await expect(clock).to_contain_text(re.compile(r"\b(10:00|9:[45]\d)\b"))
