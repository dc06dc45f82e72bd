"""Where each simulated client connects: our public contract, or bare room names.

Our server needs the public contract: a workshop (admin token), participant
tokens (``POST /api/join`` with ``room``) and a viewer token per workshop
(``POST /api/workshops/{id}/tokens``), and an observer token when a load has
observers. The reference servers have no auth (and no observer role), so
rooms there are addressed by bare names.

The bench talks to our server only over HTTP and WebSocket and never imports
board_server, so the same harness can measure an older commit (as
docs/benchmarks.md does for the ASGI path); hence its own tiny HTTP helper.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from bench.servers import ADMIN_TOKEN, Server

# Our server caps a workshop at 100 rooms (board_server.api.http.MAX_ROOMS).
ROOMS_PER_WORKSHOP = 100


@dataclass(frozen=True)
class RoomPlan:
    """The URLs of one room's clients."""

    name: str
    writer_urls: tuple[str, ...]
    viewer_urls: tuple[str, ...]
    # A read-only (ours) or plain URL for the convergence check's fresh client.
    check_url: str
    hocuspocus: bool
    # Ours: the observer role's URLs; elsewhere plain URLs, like the viewers'.
    observer_urls: tuple[str, ...] = ()


class HttpError(RuntimeError):
    """Our server answered an API call with an error."""


def _post(url: str, body: dict[str, Any], token: str | None) -> dict[str, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer
    except urllib.error.HTTPError as exc:
        raise HttpError(f"POST {url}: {exc.code} {exc.read()[:200]!r}") from None


async def post_json(url: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    """POST JSON from a thread, so many requests can be in flight."""
    return await asyncio.to_thread(_post, url, body, token)


async def plan_rooms(
    server: Server, tag: str, rooms: int, writers: int, viewers: int, observers: int = 0
) -> list[RoomPlan]:
    """Rooms with writer, viewer and observer URLs on this server (tokens fetched up front)."""
    if server.name in ("ours", "ours-redis"):
        return await _plan_ours(server, tag, rooms, writers, viewers, observers)
    hocuspocus = server.name in ("hocuspocus", "hocuspocus-redis")
    plans = []
    for index in range(rooms):
        name = f"{tag}-{index}"
        url = f"{server.ws_url}/{name}"
        plans.append(
            RoomPlan(name, (url,) * writers, (url,) * viewers, url, hocuspocus, (url,) * observers)
        )
    return plans


async def _plan_ours(
    server: Server, tag: str, rooms: int, writers: int, viewers: int, observers: int
) -> list[RoomPlan]:
    base = server.http_url
    plans: list[RoomPlan] = []
    limit = asyncio.Semaphore(8)

    async def join(code: str, room_id: str, name: str) -> str:
        async with limit:
            answer = await post_json(
                f"{base}/api/join", {"code": code, "name": name, "room": room_id}
            )
        token: str = answer["token"]
        return token

    for first in range(0, rooms, ROOMS_PER_WORKSHOP):
        names = [f"{tag}-{i}" for i in range(first, min(rooms, first + ROOMS_PER_WORKSHOP))]
        workshop = await post_json(
            f"{base}/api/workshops",
            {"title": f"bench {tag}", "rooms": names, "room_capacity": max(writers, 1)},
            ADMIN_TOKEN,
        )
        wid = workshop["id"]
        viewer = await post_json(
            f"{base}/api/workshops/{wid}/tokens",
            {"role": "viewer"},
            workshop["facilitator_token"],
        )
        viewer_token = viewer["token"]
        observer_token = ""
        if observers:
            observer = await post_json(
                f"{base}/api/workshops/{wid}/tokens",
                {"role": "observer"},
                workshop["facilitator_token"],
            )
            observer_token = observer["token"]
        for room, name in zip(workshop["rooms"], names, strict=True):
            rid = room["id"]
            url = f"{server.ws_url}/ws/{wid}/{rid}?token="
            tokens = await asyncio.gather(
                *(join(workshop["join_code"], rid, f"tablet {i}") for i in range(writers))
            )
            plans.append(
                RoomPlan(
                    name,
                    tuple(url + token for token in tokens),
                    (url + viewer_token,) * viewers,
                    url + viewer_token,
                    False,
                    (url + observer_token,) * observers,
                )
            )
    return plans
