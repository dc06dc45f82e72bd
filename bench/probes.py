"""The scenarios that are not a steady load: burst join, cold load, idle memory.

They run in the parent process on one event loop; none needs more than a
few hundred connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from typing import Any

from pycrdt import Doc, Map, TransactionEvent

from bench import servers
from bench.servers import Server
from bench.targets import RoomPlan, plan_rooms
from bench.wire import (
    EMPTY_UPDATE,
    STEP1,
    STEP2,
    UPDATE,
    Framing,
    sync_frame,
    sync_payload,
)
from bench.wsclient import WebSocket


class Probe:
    """A client with a pycrdt Doc that can write, and wait for sync step 2 replies."""

    def __init__(self, url: str, framing: Framing) -> None:
        self.url = url
        self.framing = framing
        self.doc: Doc[Any] = Doc()
        self.notes = self.doc.get("notes", type=Map)
        self.ws: WebSocket | None = None
        self.step2: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        self._updates: list[bytes] = []
        self.last_frame_at = 0.0
        self.doc.observe(self._capture)

    def _capture(self, event: TransactionEvent) -> None:
        self._updates.append(event.update)

    async def open(self, timeout: float = 30.0) -> None:
        """Connect and send the hello (auth for Hocuspocus, then sync step 1)."""
        self.ws = await WebSocket.connect(self.url, self._on_message, timeout)
        for message in self.framing.hello():
            self.ws.send(message)

    def _on_message(self, frame: bytes) -> None:
        self.last_frame_at = time.perf_counter()
        message = self.framing.unwrap(frame)
        if len(message) < 2 or message[0] not in (0, 4):
            return
        if message[1] == STEP2:
            self.step2.put_nowait((time.perf_counter(), sync_payload(message)))
        elif message[1] == STEP1 and self.ws is not None:
            missing = self.doc.get_update(sync_payload(message))
            self.ws.send(self.framing.wrap(sync_frame(STEP2, missing or EMPTY_UPDATE)))

    async def wait_step2(self, timeout: float) -> tuple[float, bytes]:
        """When the next sync step 2 arrived (perf_counter) and its update."""
        return await asyncio.wait_for(self.step2.get(), timeout)

    def take_updates(self) -> list[bytes]:
        """The local changes made since the last call, one update per transaction."""
        updates, self._updates = self._updates, []
        return updates

    def send_updates(self, updates: list[bytes]) -> None:
        assert self.ws is not None
        for update in updates:
            self.ws.send(self.framing.wrap(sync_frame(UPDATE, update)))

    async def barrier(self, timeout: float) -> None:
        """Wait until the server has handled everything sent so far.

        A sync step 1 is answered after the messages before it on the same
        connection; our state vector keeps the answer small.
        """
        assert self.ws is not None
        self.ws.send(self.framing.wrap(sync_frame(STEP1, self.doc.get_state())))
        await self.wait_step2(timeout)

    async def quiet(self, idle: float = 0.5, timeout: float = 60.0) -> None:
        """Wait until nothing has arrived for `idle` seconds (bounded).

        pycrdt-websocket relays updates from a queue, one send task per update
        and client, well after it has applied them; a client that joins then
        receives the whole backlog, and one that leaves while sends to it are
        pending makes the server exit. Measuring after the relay has drained
        keeps the backlog out of the figures.
        """
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if time.perf_counter() - self.last_frame_at >= idle:
                return
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


def _framing(plan: RoomPlan) -> Framing:
    return Framing(plan.name, plan.hocuspocus)


async def _close_all(probes: list[Probe]) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(
            asyncio.gather(*(p.close() for p in probes), return_exceptions=True), 20
        )


async def burst_join(server: Server, clients: int = 65, timeout: float = 10.0) -> dict[str, Any]:
    """`clients` clients open one new room at the same instant: time until all are synced."""
    (plan,) = await plan_rooms(server, "burst", 1, clients, 0)
    probes = [Probe(url, _framing(plan)) for url in plan.writer_urls]
    began = time.perf_counter()

    async def join(probe: Probe) -> float | None:
        try:
            await probe.open(timeout)
            synced_at, _ = await probe.wait_step2(max(0.1, began + timeout - time.perf_counter()))
        except (OSError, TimeoutError):
            return None
        return synced_at - began

    try:
        times = await asyncio.gather(*(join(p) for p in probes))
    finally:
        await _close_all(probes)
    done = sorted(t for t in times if t is not None)
    return {
        "clients": clients,
        "synced": len(done),
        "within_1s": sum(t <= 1.0 for t in done),
        "within_5s": sum(t <= 5.0 for t in done),
        "all_ms": done[-1] * 1000 if len(done) == clients else None,
        "p50_ms": statistics.median(done) * 1000 if done else None,
        "last_ms": done[-1] * 1000 if done else None,
    }


def _build_log(probe: Probe, updates: int, notes: int) -> None:
    """Queue `updates` small updates: `notes` notes created, then moved about (drags)."""
    for i in range(notes):
        probe.notes[f"n{i}"] = Map({"text": f"idea {i}", "x": 0, "y": 0, "color": "yellow"})
    for i in range(updates - notes):
        note = probe.notes[f"n{i % notes}"]
        with probe.doc.transaction():
            note["x"] = i % 997
            note["y"] = i % 991


async def cold_load(
    server: Server, updates: int = 20_000, repeats: int = 5
) -> tuple[dict[str, Any], Server]:
    """Time to first sync of a room whose history holds `updates` updates.

    Ours: the updates go through one client, the server is stopped with
    SIGTERM (a graceful stop persists every room) and started again on the same
    data dir; the figure is the first client's connect-to-step-2 time on the
    fresh process, so it includes loading the room from SQLite. Reference
    servers keep documents in memory only, so they are measured live: the
    writing client stays connected (so the document stays loaded) and a new
    client connects. Both also report the median of `repeats` more connects.

    Returns the figures and the server now running (ours is a new process).
    """
    (plan,) = await plan_rooms(server, "cold", 1, 1, 1)
    framing = _framing(plan)
    builder = Probe(plan.writer_urls[0], framing)
    await builder.open()
    await builder.wait_step2(30)
    began = time.perf_counter()
    _build_log(builder, updates, notes=200)
    pending = builder.take_updates()
    # Slices with a barrier each, so no server gets 20,000 frames at once.
    for first in range(0, len(pending), 1000):
        builder.send_updates(pending[first : first + 1000])
        await builder.barrier(120)
    build_s = time.perf_counter() - began
    await builder.quiet()
    result: dict[str, Any] = {"updates": len(pending), "build_s": build_s}
    probes: list[Probe] = []
    restarted = server
    try:
        if server.name == "ours":
            await builder.close()
            assert server.data_dir is not None
            port, data_dir = server.port, server.data_dir
            await asyncio.to_thread(servers.stop, server)
            restarted = await asyncio.to_thread(servers.start, "ours", data_dir=data_dir, port=port)
            result["restart"] = "SIGTERM, then a new process on the same data dir"
        times = []
        size = 0
        # One after the other; each stays connected until the end (see Probe.quiet).
        for _ in range(1 + repeats):
            probe = Probe(plan.check_url, framing)
            probes.append(probe)
            t0 = time.perf_counter()
            await probe.open()
            synced_at, update = await probe.wait_step2(30)
            times.append((synced_at - t0) * 1000)
            size = len(update)
            await probe.quiet(idle=0.2)
        result.update(
            first_ms=times[0],
            warm_median_ms=statistics.median(times[1:]),
            step2_bytes=size,
            rss_mb=restarted.rss_mb(),
        )
    except BaseException:
        if restarted is not server:
            await asyncio.to_thread(servers.stop, restarted)
        raise
    finally:
        await _close_all([*probes, builder])
    return result, restarted


async def idle_memory(server: Server, rooms: int = 200, warmup_rooms: int = 10) -> dict[str, Any]:
    """Server RSS per idle loaded room: one client and one small write per room.

    `warmup_rooms` rooms are opened first and the baseline is taken after
    them, so one-off costs (code paths run for the first time, pools) are
    not charged to the rooms. Each room's cost includes its one connection.
    """
    plans = await plan_rooms(server, "idle", warmup_rooms + rooms, 1, 0)
    probes: list[Probe] = []
    limit = asyncio.Semaphore(32)

    async def open_room(plan: RoomPlan, index: int) -> None:
        probe = Probe(plan.writer_urls[0], _framing(plan))
        probes.append(probe)
        async with limit:
            await probe.open()
            await probe.wait_step2(30)
            probe.notes["n1"] = Map({"text": f"note {index}", "x": 10, "y": 20})
            probe.send_updates(probe.take_updates())
            await probe.barrier(30)

    try:
        await asyncio.gather(*(open_room(p, i) for i, p in enumerate(plans[:warmup_rooms])))
        await asyncio.sleep(1.0)
        baseline = server.rss_mb()
        await asyncio.gather(*(open_room(p, i) for i, p in enumerate(plans[warmup_rooms:])))
        await asyncio.sleep(2.0)
        loaded = server.rss_mb()
    finally:
        await _close_all(probes)
    return {
        "rooms": rooms,
        "baseline_mb": baseline,
        "loaded_mb": loaded,
        "kb_per_room": (loaded - baseline) * 1024 / rooms,
    }
