"""Fixtures shared by the browser tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from browserkit import facilitating
from conftest import RunningServer

from board_server.client import BoardClient


@pytest.fixture
async def facilitator(
    server: RunningServer, workshop: dict[str, Any]
) -> AsyncIterator[BoardClient]:
    """The facilitator's command channel (a workshop socket), said hello."""
    async with facilitating(server, workshop) as client:
        yield client
