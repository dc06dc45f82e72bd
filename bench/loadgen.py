"""The load generator: writer tablets and read-only listeners, in worker processes.

Writers hold a pycrdt Doc. On every tick a writer sets
``notes["w<id>"] = "@<id>:<seq>:<time_ns>@"`` and sends the captured update
as a sync update; with ``LoadConfig.notes`` it types the marker into a real
note instead (``bench.notewriter``). Listeners (and writers, for everyone
else's updates) do not keep a Yjs document: they scan each incoming sync
update for markers and record ``now - time_ns`` per marker. That keeps a
receiver to a regex over the frame, so the generator is cheap next to the
server it measures. Observers are listeners whose figures are kept apart.

One worker process runs many clients on one event loop (uvloop when it is
installed). The parent (``run_load``) spreads the clients over several
workers, starts them together, reads the server's and the workers' CPU from
/proc over the measured window, gathers latencies, and then checks that every
room converged.

When the clients connect to several server processes (``bench.cluster``),
each delivery is also flagged as cross-process or not: whether the writer's
URL and the receiver's URL name different host:port.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import os
import random
import time
from array import array
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from typing import Any, Protocol
from urllib.parse import urlsplit

from pycrdt import Doc, Map, TransactionEvent

from bench.notewriter import NoteWriter, note_texts
from bench.servers import proc_cpu_seconds
from bench.targets import RoomPlan
from bench.wire import (
    EMPTY_UPDATE,
    MARKER,
    STEP1,
    STEP2,
    UPDATE,
    Framing,
    sync_frame,
    sync_payload,
)
from bench.wsclient import WebSocket

CONNECT_ERRORS = (OSError, TimeoutError)
# Counters read at the start and end of the measured window (CPU seconds,
# Redis command calls ...); run_load reports end minus start of each.
Counters = Callable[[], dict[str, float]]


class Measured(Protocol):
    """What run_load reads of the server under test: one process, or several."""

    def cpu_seconds(self) -> float: ...

    def rss_mb(self) -> float: ...


def run_loop(main: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine on uvloop when it is installed, else on asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


@dataclass(frozen=True)
class ClientSpec:
    """One simulated client, as handed to a worker process."""

    url: str
    room: int
    # A writer's global id, or -1 for a read-only listener.
    writer_id: int
    doc_name: str
    hocuspocus: bool
    # One client per room connects (and syncs) before all the others: see run_load.
    first: bool = False
    # A read-only listener whose deliveries are counted apart (the observers scenario).
    observer: bool = False


@dataclass(frozen=True)
class LoadConfig:
    """Timing of one throughput run."""

    rate: float
    warmup: float
    duration: float
    drain: float = 1.0
    connect_timeout: float = 90.0
    connect_concurrency: int = 32
    # Writers type their markers into notes shaped as docs/schema.md says.
    notes: bool = False


class Tally:
    """What one kind of receiver recorded; latencies only inside the window."""

    def __init__(self) -> None:
        self.latencies = array("q")
        # Parallel to latencies when the run spans server processes: 1 = cross-process.
        self.crossed = array("b")
        self.delivered = 0
        # Markers received for the first time, inside the window or not.
        self.received = 0
        self.duplicates = 0
        self.frames = 0
        # Sync updates received inside the window.
        self.window_frames = 0
        self.dropped = 0
        self.failed = 0

    def figures(self) -> dict[str, Any]:
        """What a worker sends its parent (arrays as bytes)."""
        return {
            "latencies": self.latencies.tobytes(),
            "crossed": self.crossed.tobytes(),
            "delivered": self.delivered,
            "received": self.received,
            "duplicates": self.duplicates,
            "frames": self.frames,
            "window_frames": self.window_frames,
            "dropped": self.dropped,
            "failed": self.failed,
        }


class Stats:
    """Per-process counters: tablets and viewers in one tally, observers in another."""

    def __init__(self) -> None:
        self.receivers = Tally()
        self.observers = Tally()
        self.window = (0, 0)
        self.sent = 0
        self.late_ticks = 0


class Client:
    """One connection: answers the handshake, records markers, writes on ticks."""

    def __init__(
        self,
        spec: ClientSpec,
        stats: Stats,
        homes: dict[bytes, str] | None = None,
        notes: bool = False,
    ) -> None:
        self.spec = spec
        self.stats = stats
        self.tally = stats.observers if spec.observer else stats.receivers
        # Each writer's server (host:port), to flag cross-process deliveries.
        self._homes = homes
        self._here = urlsplit(spec.url).netloc
        self.framing = Framing(spec.doc_name, spec.hocuspocus)
        self.ws: WebSocket | None = None
        self.synced = asyncio.Event()
        self.failed = False
        self.dropped = False
        self.close_code: int | None = None
        self.closing = False
        self.seq = 0
        self.acked_seq = 0
        self._own = str(spec.writer_id).encode()
        self._seen: dict[bytes, int] = {}
        self._doc: Doc[Any] | None = None
        self._notes: Map[Any] | None = None
        self._update = b""
        self._typist: NoteWriter | None = None
        if spec.writer_id >= 0:
            self._doc = Doc()
            self._notes = self._doc.get("notes", type=Map)
            self._doc.observe(self._capture)
            if notes:
                self._typist = NoteWriter(self._notes, spec.writer_id)
        self._key = f"w{spec.writer_id}"

    def _capture(self, event: TransactionEvent) -> None:
        self._update = event.update

    async def run(self, limit: asyncio.Semaphore) -> None:
        try:
            async with limit:
                ws = await WebSocket.connect(self.spec.url, self.on_frame)
            self.ws = ws
            for message in self.framing.hello():
                ws.send(message)
            await ws.closed
        except CONNECT_ERRORS:
            pass
        finally:
            if self.ws is None:
                self.failed = True
            elif not self.closing:
                self.dropped = True
                self.close_code = self.ws.close_code

    def on_frame(self, frame: bytes) -> None:
        """Handle one incoming frame, from the socket's data_received."""
        now = time.time_ns()
        message = self.framing.unwrap(frame) if self.spec.hocuspocus else frame
        # Hocuspocus also sends sync as type 4 (SyncReply); the layout is the same.
        if len(message) < 2 or message[0] not in (0, 4):
            return
        step = message[1]
        if step == UPDATE:
            self._scan(message, now)
        elif step == STEP2:
            self.synced.set()
        elif step == STEP1 and self.ws is not None:
            # Writers answer with what they have; listeners have nothing.
            missing = EMPTY_UPDATE
            if self._doc is not None:
                missing = self._doc.get_update(sync_payload(message))
            self.ws.send(self.framing.wrap(sync_frame(STEP2, missing)))

    def _scan(self, message: bytes, now: int) -> None:
        tally = self.tally
        tally.frames += 1
        start, end = self.stats.window
        inside = start <= now < end
        tally.window_frames += inside
        seen = self._seen
        own = self._own
        found = MARKER.findall(message)
        if len(found) > 1:
            # A server-built update (a projection, a merge) need not list one
            # writer's markers in the order they were written.
            found.sort(key=_seq)
        for writer, seq_text, stamp in found:
            if writer == own:
                continue
            seq = int(seq_text)
            if seq <= seen.get(writer, 0):
                tally.duplicates += 1
                continue
            seen[writer] = seq
            tally.received += 1
            if inside:
                tally.delivered += 1
                tally.latencies.append(now - int(stamp))
                if self._homes is not None:
                    tally.crossed.append(self._homes.get(writer) != self._here)

    def write(self) -> bool:
        """One tick: set this writer's note to a fresh marker and send the update."""
        assert self._notes is not None
        ws = self.ws
        if ws is None or not ws.open:
            return False
        self.seq += 1
        marker = f"@{self.spec.writer_id}:{self.seq}:{time.time_ns()}@"
        if self._typist is not None:
            self._typist.write(marker)
        else:
            self._notes[self._key] = marker
        ws.send(self.framing.wrap(sync_frame(UPDATE, self._update)))
        self.acked_seq = self.seq
        return True

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            await self.ws.close()


def _seq(marker: tuple[bytes, bytes, bytes]) -> int:
    return int(marker[1])


async def _writer_loop(client: Client, rate: float, start: float, stop: float) -> None:
    """Tick at `rate` from a random offset; a tick more than a period late resets."""
    loop = asyncio.get_running_loop()
    period = 1.0 / rate
    due = start + random.random() * period
    stats = client.stats
    window_start, window_end = stats.window
    while not client.dropped:
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        now = loop.time()
        if now >= stop:
            return
        if now - due > period:
            stats.late_ticks += 1
            due = now
        if not client.write():
            return
        if window_start <= time.time_ns() < window_end:
            stats.sent += 1
        due += period


async def _recv(conn: Connection, timeout: float) -> Any:
    """The next message from the parent, or TimeoutError (never blocks forever)."""

    def wait() -> Any:
        if not conn.poll(timeout):
            raise TimeoutError("parent did not answer")
        return conn.recv()

    return await asyncio.to_thread(wait)


async def _connect_all(clients: list[Client], limit: asyncio.Semaphore, timeout: float) -> None:
    """Connect clients and wait until each is synced or gone (bounded)."""
    tasks = [asyncio.create_task(client.run(limit)) for client in clients]
    _tasks.update(tasks)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(c.synced.is_set() or c.failed or c.dropped for c in clients):
            return
        await asyncio.sleep(0.05)


_tasks: set[asyncio.Task[None]] = set()


async def _worker(
    conn: Connection,
    specs: list[ClientSpec],
    config: LoadConfig,
    homes: dict[bytes, str] | None,
) -> None:
    loop = asyncio.get_running_loop()
    stats = Stats()
    clients = [Client(spec, stats, homes, config.notes) for spec in specs]
    limit = asyncio.Semaphore(config.connect_concurrency)
    began = time.monotonic()
    try:
        # Stage 1: one client per room (see run_load), then the parent says go on.
        await _connect_all([c for c in clients if c.spec.first], limit, config.connect_timeout)
        conn.send(("staged", None))
        if (await _recv(conn, 600))[0] != "connect":
            return
        await _connect_all([c for c in clients if not c.spec.first], limit, config.connect_timeout)
        synced = sum(c.synced.is_set() for c in clients)
        watching = sum(c.synced.is_set() for c in clients if c.spec.observer)
        ready = {
            "clients": len(clients),
            "synced": synced,
            "observers_synced": watching,
            "s": time.monotonic() - began,
        }
        conn.send(("ready", ready))
        message = await _recv(conn, 600)
        if message[0] != "go":
            return
        start_wall: float = message[1]
        offset = start_wall - time.time()
        start = loop.time() + offset
        window_start = start_wall + config.warmup
        window_end = window_start + config.duration
        stats.window = (int(window_start * 1e9), int(window_end * 1e9))
        stop = start + config.warmup + config.duration
        writers = [
            asyncio.create_task(_writer_loop(c, config.rate, start, stop))
            for c in clients
            if c.spec.writer_id >= 0 and c.synced.is_set()
        ]
        await asyncio.sleep(max(0.0, stop - loop.time()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*writers, return_exceptions=True), 10)
        await asyncio.sleep(config.drain)
        codes = Counter(str(c.close_code) for c in clients if c.dropped)
        for client in clients:
            client.tally.dropped += client.dropped
            client.tally.failed += client.failed
        conn.send(
            (
                "done",
                {
                    "receivers": stats.receivers.figures(),
                    "observers": stats.observers.figures(),
                    "sent": stats.sent,
                    "late_ticks": stats.late_ticks,
                    "close_codes": dict(codes),
                    "last_seq": {
                        c.spec.writer_id: c.acked_seq for c in clients if c.spec.writer_id >= 0
                    },
                },
            )
        )
        await _recv(conn, 600)
    finally:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(c.close() for c in clients), return_exceptions=True), 15
            )
        for task in _tasks:
            task.cancel()
        await asyncio.gather(*_tasks, return_exceptions=True)


def worker_main(
    conn: Connection,
    specs: list[ClientSpec],
    config: LoadConfig,
    homes: dict[bytes, str] | None = None,
) -> None:
    """Entry point of one generator process."""
    try:
        run_loop(_worker(conn, specs, config, homes))
    except (TimeoutError, EOFError, BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        conn.close()


@dataclass
class LoadResult:
    """What one throughput run measured."""

    latencies_ns: list[int] = field(default_factory=list)
    # Parallel to latencies_ns when clients used several server processes (1: cross).
    crossed: bytearray = field(default_factory=bytearray)
    delivered: int = 0
    # Markers received at all (inside the window or not), first copies only.
    received: int = 0
    duplicates: int = 0
    sent: int = 0
    frames: int = 0
    late_ticks: int = 0
    dropped: int = 0
    failed: int = 0
    clients: int = 0
    synced: int = 0
    connect_s: float = 0.0
    close_codes: dict[str, int] = field(default_factory=dict)
    server_cpu_s: float = 0.0
    gen_cpu_s: list[float] = field(default_factory=list)
    server_rss_mb: float = 0.0
    last_seq: dict[int, int] = field(default_factory=dict)
    # End minus start, over the window, of every counter passed to run_load.
    counters: dict[str, float] = field(default_factory=dict)
    # Observers' figures, apart from everyone else's above (which leave them out).
    observer_latencies_ns: list[int] = field(default_factory=list)
    observer_delivered: int = 0
    observer_received: int = 0
    observer_duplicates: int = 0
    observer_frames: int = 0
    observer_window_frames: int = 0
    observer_dropped: int = 0
    observer_failed: int = 0
    observers_synced: int = 0

    def add(self, done: dict[str, Any]) -> None:
        """Fold in one worker's "done" figures."""
        for kind, prefix in (("receivers", ""), ("observers", "observer_")):
            tally = done[kind]
            lat = array("q")
            lat.frombytes(tally["latencies"])
            getattr(self, f"{prefix}latencies_ns").extend(lat)
            for key in ("delivered", "received", "duplicates", "frames", "dropped", "failed"):
                name = prefix + key
                setattr(self, name, getattr(self, name) + tally[key])
        self.observer_window_frames += done["observers"]["window_frames"]
        self.crossed.extend(done["receivers"]["crossed"])
        self.sent += done["sent"]
        self.late_ticks += done["late_ticks"]
        self.last_seq.update(done["last_seq"])
        for code, n in done["close_codes"].items():
            self.close_codes[code] = self.close_codes.get(code, 0) + n


def build_specs(plans: list[RoomPlan]) -> list[ClientSpec]:
    """Every client of every room; writer ids are global and start at 1."""
    specs: list[ClientSpec] = []
    writer_id = 0
    for index, plan in enumerate(plans):
        first = len(specs)
        for url in plan.writer_urls:
            writer_id += 1
            specs.append(ClientSpec(url, index, writer_id, plan.name, plan.hocuspocus))
        for url in plan.viewer_urls:
            specs.append(ClientSpec(url, index, -1, plan.name, plan.hocuspocus))
        for url in plan.observer_urls:
            specs.append(ClientSpec(url, index, -1, plan.name, plan.hocuspocus, observer=True))
        if len(specs) > first:
            specs[first] = replace(specs[first], first=True)
    return specs


def _wait_for(conns: list[Connection], tag: str, timeout: float) -> list[Any]:
    answers = []
    deadline = time.monotonic() + timeout
    for conn in conns:
        if not conn.poll(max(0.0, deadline - time.monotonic())):
            raise TimeoutError(f"a load worker did not send {tag!r} in {timeout:.0f}s")
        try:
            message = conn.recv()
        except EOFError:
            raise RuntimeError(f"a load worker died before sending {tag!r}") from None
        if message[0] != tag:
            raise RuntimeError(f"load worker sent {message[0]!r}, expected {tag!r}")
        answers.append(message[1])
    return answers


def _homes(specs: list[ClientSpec]) -> dict[bytes, str] | None:
    """Each writer's server (host:port), or None when every client uses one server."""
    homes = {str(s.writer_id).encode(): urlsplit(s.url).netloc for s in specs if s.writer_id >= 0}
    return homes if len(set(homes.values())) > 1 else None


def _sample(counters: Sequence[Counters]) -> dict[str, float]:
    sample: dict[str, float] = {}
    for read in counters:
        sample.update(read())
    return sample


def run_load(
    server: Measured,
    plans: list[RoomPlan],
    config: LoadConfig,
    procs: int,
    after: Callable[[LoadResult], None] | None = None,
    counters: Sequence[Counters] = (),
    observer_procs: int = 0,
    observer_idle: bool = False,
) -> LoadResult:
    """Run writers and listeners against a server in `procs` worker processes.

    `after` runs while every client is still connected (for the convergence
    check: in-memory servers may drop a document once its last client leaves).
    `counters` are read at the start and end of the measured window. With
    `observer_procs`, observers run in processes of their own, so that their
    frames do not queue behind the tablets' on one event loop; with
    ``observer_idle``, under SCHED_IDLE: they run only on CPU that nothing
    else wants, as a remote watcher's machine costs the hall nothing.

    Connecting is staged: one client per room first, then everyone else.
    pycrdt-websocket leaves clients hanging that connect concurrently to a
    room it has not created yet (see the burst join scenario); a room that
    opens with one tablet and then fills is also how a workshop starts.
    """
    specs = build_specs(plans)
    homes = _homes(specs)
    random.Random(7).shuffle(specs)
    shares = _share(specs, procs)
    if observer_procs:
        shares = _share([s for s in specs if not s.observer], procs)
        shares += _share([s for s in specs if s.observer], observer_procs)
    ctx = mp.get_context("spawn")
    workers: list[tuple[Any, Connection]] = []
    result = LoadResult(clients=len(specs))
    try:
        for share in shares:
            parent_end, child_end = ctx.Pipe()
            args = (child_end, share, config, homes)
            proc = ctx.Process(target=worker_main, args=args, daemon=True)
            proc.start()
            if observer_idle and share and share[0].observer and proc.pid is not None:
                os.sched_setscheduler(proc.pid, os.SCHED_IDLE, os.sched_param(0))
            child_end.close()
            workers.append((proc, parent_end))
        conns = [conn for _, conn in workers]
        _wait_for(conns, "staged", config.connect_timeout + 60)
        for conn in conns:
            conn.send(("connect",))
        ready = _wait_for(conns, "ready", config.connect_timeout + 60)
        result.synced = sum(r["synced"] for r in ready)
        result.observers_synced = sum(r["observers_synced"] for r in ready)
        result.connect_s = max(r["s"] for r in ready)
        start_wall = time.time() + 0.5
        for conn in conns:
            conn.send(("go", start_wall))
        window_start = start_wall + config.warmup
        time.sleep(max(0.0, window_start - time.time()))
        counted0 = _sample(counters)
        cpu0 = server.cpu_seconds()
        gen0 = [proc_cpu_seconds(proc.pid) for proc, _ in workers]
        time.sleep(max(0.0, window_start + config.duration - time.time()))
        result.server_cpu_s = server.cpu_seconds() - cpu0
        counted = _sample(counters)
        result.counters = {k: v - counted0.get(k, 0.0) for k, v in counted.items()}
        result.gen_cpu_s = [
            proc_cpu_seconds(p.pid) - g for (p, _), g in zip(workers, gen0, strict=True)
        ]
        result.server_rss_mb = server.rss_mb()
        for done in _wait_for(conns, "done", config.drain + 60):
            result.add(done)
        if after is not None:
            after(result)
        for conn in conns:
            conn.send(("close",))
    finally:
        for proc, conn in workers:
            proc.join(20)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
            conn.close()
    return result


def _share(specs: list[ClientSpec], procs: int) -> list[list[ClientSpec]]:
    """Deal clients round-robin into at most `procs` non-empty shares."""
    procs = max(1, min(procs, len(specs)))
    return [share for share in (specs[i::procs] for i in range(procs)) if share]


@dataclass
class Convergence:
    """Whether every room holds every writer's last value."""

    rooms: int = 0
    writers: int = 0
    missing: int = 0
    unreachable: int = 0

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.unreachable == 0 and self.writers > 0


async def fetch_doc(url: str, framing: Framing, timeout: float) -> Doc[Any]:
    """A fresh full client: sync step 1 out, the server's step 2 applied to a Doc."""
    loop = asyncio.get_running_loop()
    got: asyncio.Future[bytes] = loop.create_future()

    def on_message(frame: bytes) -> None:
        message = framing.unwrap(frame)
        is_step2 = len(message) >= 2 and message[0] in (0, 4) and message[1] == STEP2
        if is_step2 and not got.done():
            got.set_result(sync_payload(message))

    async with asyncio.timeout(timeout):
        ws = await WebSocket.connect(url, on_message)
        try:
            for message in framing.hello():
                ws.send(message)
            waits: list[asyncio.Future[Any]] = [got, ws.closed]
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await ws.close()
    if not got.done():
        raise ConnectionError("closed before sync step 2")
    doc: Doc[Any] = Doc()
    doc.apply_update(got.result())
    return doc


async def check_convergence(plans: list[RoomPlan], last_seq: dict[int, int]) -> Convergence:
    """Open one fresh client per room and look for every writer's last marker."""
    specs = build_specs(plans)
    by_room: dict[int, list[int]] = {}
    for spec in specs:
        if spec.writer_id >= 0:
            by_room.setdefault(spec.room, []).append(spec.writer_id)
    result = Convergence(rooms=len(plans))
    limit = asyncio.Semaphore(16)

    async def check(index: int, plan: RoomPlan) -> None:
        writers = by_room.get(index, [])
        result.writers += len(writers)
        try:
            async with limit:
                doc = await fetch_doc(plan.check_url, Framing(plan.name, plan.hocuspocus), 20)
        except (*CONNECT_ERRORS, ConnectionError):
            result.unreachable += 1
            result.missing += len(writers)
            return
        # Each marker is a whole string map value, or a word of a note's text.
        held = "\n".join(note_texts(doc.get("notes", type=Map)))
        for writer in writers:
            last = last_seq.get(writer, 0)
            if last and f"@{writer}:{last}:" not in held:
                result.missing += 1

    await asyncio.gather(*(check(i, plan) for i, plan in enumerate(plans)))
    return result
