"""The Redis bus: room logs read from their streams, awareness and events on pub/sub.

- **Room updates.** A room's stream is its log (``RedisStore`` appends to
  it), so publishing an update sends nothing more. One reader task per
  process runs a blocking XREAD over the streams of the rooms it follows,
  from each room's cursor, and hands other processes' entries to the room.
  Following a new room wakes the reader through this process's own wake
  stream, so the new room does not wait for the block to time out.
- **Solo rooms are not read.** A room that no other process follows (its
  awareness channel has one subscriber: us) would only give back our own
  entries, so the reader leaves it out. Its cursor still moves: the writer
  lists the entries after the cursor right after its XADDs, and while they
  are ours, no one else wrote in between. A room turns shared again, and
  is read from its cursor (skipping our own entries), as soon as any of
  these happens: a process that starts following it announces itself on its
  awareness channel; one of our appends finds another entry before it; the
  check every ``SHARE_CHECK`` seconds counts more subscribers; a process
  writes to it without following it (an update still queued when it
  stopped), and announces that too; or our subscriber connection failed
  (announcements may have been missed). The
  cursor never passes an entry we have not seen, so compaction (which trims
  only below a cursor, and keeps the last 60 s) loses nothing.
- **Awareness** is ephemeral: it travels on one pub/sub channel per room,
  subscribed while the room is followed. Lost messages are renewed by the
  clients within 15 s.
- **Workshop events** travel on one pub/sub channel for the deployment; a
  process hears its own, so every handler runs once per event everywhere.

When Redis is unreachable, each loop retries with backoff, ``health()``
says why, and reading resumes from each room's cursor: nothing is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable
from typing import Any, cast

import msgpack
import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from board_server.bus.base import EventHandler, RoomFeed, WorkshopEvent, deliver
from board_server.model import RoomKey
from board_server.storage.base import Cursor
from board_server.storage.redis import RedisStore
from board_server.storage.resp import RespConnection

logger = logging.getLogger("board.bus")

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
BLOCK_MS = 5000
# The reader's wait for a reply: the XREAD block and then some.
READ_TIMEOUT = BLOCK_MS / 1000 + 5
READ_COUNT = 1000
# Between two XREADs that found updates: 50 µs per followed stream, at most 5 ms.
READ_PAUSE_PER_STREAM = 0.00005
READ_PAUSE_MAX = 0.005
CLOSE_WAIT = 2.0
BACKOFF_FIRST = 0.05
BACKOFF_MAX = 2.0
# How often to count, per followed room, the processes that follow it.
SHARE_CHECK = 5.0

# As XREAD replies: (id, [field, value, field, value, ...]) per entry.
Entries = list[tuple[bytes, list[bytes]]]


def stream_id(cursor: Cursor) -> tuple[int, int]:
    """A stream id as a comparable pair; "" is the start."""
    if not cursor:
        return (0, 0)
    ms, _, seq = cursor.partition("-")
    return (int(ms), int(seq or 0))


class _Trouble:
    """One loop's health: logs the first failure and the recovery, not every retry."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.reason: str | None = None
        self.backoff = BACKOFF_FIRST

    def failed(self, exc: BaseException) -> float:
        if self.reason is None:
            logger.warning("Redis bus: %s failed, retrying: %s", self.what, exc)
        self.reason = f"Redis is unreachable ({self.what}): {exc}"
        delay, self.backoff = self.backoff, min(BACKOFF_MAX, self.backoff * 2)
        return delay

    def ok(self) -> None:
        if self.reason is not None:
            logger.info("Redis bus: %s works again", self.what)
        self.reason = None
        self.backoff = BACKOFF_FIRST


class RedisBus:
    """One process's end of the bus, on the Redis of its ``RedisStore``."""

    def __init__(self, store: RedisStore, *, share_check: float = SHARE_CHECK) -> None:
        self.node_id = store.node_id
        self._store = store
        self._keys = store.keys
        self._node = store.node_id.encode()
        self._feeds: dict[RoomKey, RoomFeed] = {}
        self._cursors: dict[RoomKey, Cursor] = {}
        self._handlers: list[EventHandler] = []
        self._wake_key = self._keys.wake(store.node_id)
        self._wake_id = "0-0"
        self._subscriptions: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        # Set when Redis confirms the subscription to a followed room's awareness.
        self._subscribed: dict[str, asyncio.Event] = {}
        self._outbox: deque[tuple[str, bytes]] = deque()
        self._outbox_ready = asyncio.Event()
        self._reading = _Trouble("reading room logs")
        self._listening = _Trouble("listening to awareness and events")
        self._sending = _Trouble("sending awareness")
        self._reader: RespConnection | None = None
        self._subscriber: redis.Redis | None = None
        self._pubsub: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False
        # Rooms the reader leaves out: no other process follows them.
        self._solo: set[RoomKey] = set()
        self._reading_now: set[RoomKey] = set()
        # Bumped whenever a room may have gained a follower, so that a count
        # of followers begun before cannot make it solo.
        self._shared_since: dict[RoomKey, int] = {}
        # Awareness channels Redis confirmed on the current subscriber connection.
        self._live: set[str] = set()
        self._share_check = share_check
        self._check_now = asyncio.Event()
        store.watch_log(self)

    @property
    def _client(self) -> redis.Redis:
        client: redis.Redis = self._store.client
        return client

    async def start(self) -> None:
        """Open the reader's and the subscriber's connections and start the loops."""
        # Each loop blocks on its own connection; commands share the store's pool.
        # The reader (opened by its loop) blocks up to BLOCK_MS on XREAD and the
        # subscriber for ever, so it may not have redis-py's default socket
        # timeout (5 s in 8.x).
        self._subscriber = redis.Redis.from_url(
            self._store.url, socket_timeout=None, socket_connect_timeout=5, socket_keepalive=True
        )
        self._pubsub = self._subscriber.pubsub()
        await self._pubsub.subscribe(self._keys.events)
        self._tasks = [
            asyncio.create_task(self._read_loop(), name=f"bus reader {self.node_id}"),
            asyncio.create_task(self._listen_loop(), name=f"bus listener {self.node_id}"),
            asyncio.create_task(self._subscribe_loop(), name=f"bus subscriptions {self.node_id}"),
            asyncio.create_task(self._send_loop(), name=f"bus sender {self.node_id}"),
            asyncio.create_task(self._share_loop(), name=f"bus followers {self.node_id}"),
        ]

    async def close(self) -> None:
        """Stop every loop and close the connections. Idempotent."""
        if self._closed:
            return
        self._closed = True
        for task in self._tasks:
            task.cancel()
        # Bounded: a loop cancelled in the middle of a Redis read must not hold
        # up the shutdown (nor swallow the caller's own cancellation).
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=CLOSE_WAIT)
        if self._reader is not None:
            self._reader.close()
        closing: list[Awaitable[object]] = [self._subscriber.aclose()] if self._subscriber else []
        if self._pubsub is not None:
            closing.insert(0, self._pubsub.aclose())
        closing.append(self._client.delete(self._wake_key))
        for step in closing:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(step, CLOSE_WAIT)

    # Room updates.
    def follow(self, room: RoomKey, cursor: Cursor, feed: RoomFeed) -> None:
        """Read the room's stream after cursor into feed; subscribe to its awareness."""
        known = room in self._feeds
        self._feeds[room] = feed
        self._cursors[room] = cursor
        self._share(room)
        if not known:
            channel = self._keys.awareness(room)
            self._subscribed[channel] = asyncio.Event()
            self._subscriptions.put_nowait(("subscribe", channel))
        self._wake()

    def unfollow(self, room: RoomKey, feed: RoomFeed) -> None:
        """Stop delivering to feed."""
        if self._feeds.get(room) is not feed:
            return
        del self._feeds[room]
        del self._cursors[room]
        self._solo.discard(room)
        self._shared_since.pop(room, None)
        channel = self._keys.awareness(room)
        self._subscribed.pop(channel, None)
        self._live.discard(channel)
        self._subscriptions.put_nowait(("unsubscribe", channel))

    async def ready(self, room: RoomKey) -> None:
        """Wait until Redis has confirmed the subscription to the room's awareness."""
        confirmed = self._subscribed.get(self._keys.awareness(room))
        if confirmed is None:
            raise KeyError(f"room {room} is not followed")
        await confirmed.wait()

    def cursor(self, room: RoomKey) -> Cursor:
        """The id of the last entry of the room's stream this process has read."""
        return self._cursors.get(room, "")

    def publish_update(self, room: RoomKey, update: bytes, cursor: Cursor) -> None:
        """Nothing to send: the update is in the room's stream, which the others read."""

    def reads(self, room: RoomKey) -> bool:
        """Whether the followed room is read: it is not solo, or the reader's
        XREAD in progress still names its stream."""
        return room in self._feeds and (room not in self._solo or room in self._reading_now)

    def solo_cursor(self, room: RoomKey) -> Cursor | None:
        """For the store: a solo room's cursor, which moves over our own entries."""
        return self._cursors[room] if room in self._solo else None

    def logged(self, room: RoomKey, cursor: Cursor, gap: bool | None) -> None:
        """For the store: we wrote ``cursor``; ``gap`` says whether other
        entries lie between it and the room's cursor (None: not asked). Move
        the cursor over it if nothing unseen lies between; else read the room."""
        last = self._cursors.get(room)
        if last is None:
            # Written after we stopped following it (it was queued): a process
            # that follows the room alone must be told to read it.
            self._announce(self._keys.awareness(room))
            return
        if stream_id(cursor) <= stream_id(last):
            return  # the reader has passed it already
        if gap is False:
            self._cursors[room] = cursor
        elif gap or room in self._solo:
            # Something unseen lies before it; or it was not asked because
            # the room was read when the batch left, and is no longer.
            self._share(room)

    def _share(self, room: RoomKey) -> None:
        """The room may have another follower: read it from its cursor."""
        self._shared_since[room] = self._shared_since.get(room, 0) + 1
        if room in self._solo:
            self._solo.discard(room)
            self._wake()

    def _share_all(self) -> None:
        for room in list(self._feeds):
            self._share(room)

    async def _share_loop(self) -> None:
        """Count each followed room's followers now and then; a room only we
        follow goes solo, one with others is read."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._check_now.wait(), self._share_check)
            self._check_now.clear()
            rooms = [r for r in self._feeds if self._keys.awareness(r) in self._live]
            if not rooms:
                continue
            marks = {room: self._shared_since.get(room) for room in rooms}
            channels = [self._keys.awareness(room) for room in rooms]
            try:
                counts = await self._client.pubsub_numsub(*channels)
            except REDIS_DOWN:
                continue  # the reader's and the listener's health tell
            for room, (_, count) in zip(rooms, counts, strict=True):
                alone = count == 1 and self._shared_since.get(room) == marks[room]
                if count > 1:
                    self._share(room)
                elif alone and room not in self._solo:
                    self._solo.add(room)
                    self._wake()  # read the others without it from now on

    def _wake(self) -> None:
        # XADD to our wake stream ends the reader's XREAD block at once.
        self._outbox.append((self._wake_key, b""))
        self._outbox_ready.set()

    async def _read_loop(self) -> None:
        while True:
            rooms = [(r, c) for r, c in self._cursors.items() if r not in self._solo]
            self._reading_now = {room for room, _ in rooms}
            # The raw command: redis-py's xread() re-validates every stream per call.
            command: list[Any] = ["XREAD", "COUNT", READ_COUNT, "BLOCK", BLOCK_MS, "STREAMS"]
            command += [self._keys.log(room) for room, _ in rooms]
            command.append(self._wake_key)
            command += [cursor or "0-0" for _, cursor in rooms]
            command.append(self._wake_id)
            try:
                if self._reader is None or self._reader.closed:
                    self._reader = await RespConnection.open(self._store.url)
                (reply,) = await self._reader.call([command], READ_TIMEOUT)
            except (RedisError, OSError) as exc:
                await asyncio.sleep(self._reading.failed(exc))
                continue
            if isinstance(reply, Exception):
                # A refused XREAD (say, a key of another type): keep trying.
                await asyncio.sleep(self._reading.failed(reply))
                continue
            self._reading.ok()
            for raw_key, entries in cast("list[tuple[bytes, Entries]] | None", reply) or []:
                key = raw_key.decode()
                if key == self._wake_key:
                    self._wake_id = entries[-1][0].decode()
                    continue
                self._deliver(key, entries)
            if reply:
                # Redis and this loop pay per stream named in each XREAD: while
                # updates keep coming, let a few milliseconds' worth gather
                # (more for more streams) rather than read after every one.
                await asyncio.sleep(min(READ_PAUSE_MAX, READ_PAUSE_PER_STREAM * len(rooms)))

    def _deliver(self, key: str, entries: Entries) -> None:
        room = self._keys.room_of_log(key)
        feed = self._feeds.get(room)
        if feed is None:
            return
        # A follow() during the read may have moved the cursor past some entries.
        last = self._cursors[room]
        last_id = stream_id(last)
        updates: list[bytes] = []
        for raw_id, fields in entries:
            entry_id = raw_id.decode()
            parsed = stream_id(entry_id)
            if parsed <= last_id:
                continue
            last, last_id = entry_id, parsed
            node = update = None
            for i in range(0, len(fields) - 1, 2):
                if fields[i] == b"n":
                    node = fields[i + 1]
                elif fields[i] == b"u":
                    update = fields[i + 1]
            if node != self._node and update is not None:
                updates.append(update)
        self._cursors[room] = last
        if updates:
            try:
                feed.remote_updates(updates)
            except Exception:
                logger.exception("room %s: applying updates from other processes failed", room)

    # Awareness and events.
    def publish_awareness(self, room: RoomKey, payload: bytes) -> None:
        """Queue the awareness update for the room's channel."""
        message = msgpack.packb([self.node_id, payload])
        self._outbox.append((self._keys.awareness(room), message))
        self._outbox_ready.set()

    async def _send_loop(self) -> None:
        while True:
            await self._outbox_ready.wait()
            self._outbox_ready.clear()
            batch = list(self._outbox)
            self._outbox.clear()
            if not batch:
                continue
            pipe = self._client.pipeline(transaction=False)
            for target, message in batch:
                if target == self._wake_key:
                    pipe.xadd(target, {"w": b""}, maxlen=1, approximate=False)
                else:
                    pipe.publish(target, message)
            try:
                await pipe.execute()
            except REDIS_DOWN as exc:
                # Awareness is renewed by the clients; only wakes are worth keeping.
                wakes = [item for item in batch if item[0] == self._wake_key]
                self._outbox.extendleft(reversed(wakes[-1:]))
                await asyncio.sleep(self._sending.failed(exc))
                if self._outbox:
                    self._outbox_ready.set()
                continue
            self._sending.ok()

    async def _subscribe_loop(self) -> None:
        while True:
            action, channel = await self._subscriptions.get()
            while True:
                try:
                    if action == "subscribe":
                        await self._pubsub.subscribe(channel)
                    else:
                        await self._pubsub.unsubscribe(channel)
                    break
                except REDIS_DOWN as exc:
                    await asyncio.sleep(self._listening.failed(exc))

    async def _listen_loop(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=None)
            except REDIS_DOWN as exc:
                # redis-py reconnects on the next call and subscribes again;
                # what other processes announced meanwhile is lost, so read all.
                self._live.clear()
                self._share_all()
                await asyncio.sleep(self._listening.failed(exc))
                continue
            self._listening.ok()
            if message is None:
                continue
            if message.get("type") == "subscribe":
                self._confirmed(message["channel"].decode())
                continue
            if message.get("type") != "message":
                continue
            try:
                self._heard(message["channel"].decode(), message["data"])
            except Exception:
                logger.exception(
                    "Redis bus: a message on %r could not be handled", message["channel"]
                )

    def _confirmed(self, channel: str) -> None:
        """Redis subscribed us to channel (again, after a reconnect)."""
        confirmed = self._subscribed.get(channel)
        if confirmed is None:
            return  # an event channel, or a room no longer followed
        confirmed.set()
        self._live.add(channel)
        self._announce(channel)
        self._check_now.set()  # and count them soon

    def _announce(self, channel: str) -> None:
        """Tell the other followers of the channel's room to read its stream."""
        self._outbox.append((channel, msgpack.packb([self.node_id, None])))
        self._outbox_ready.set()

    def _heard(self, channel: str, data: bytes) -> None:
        if channel == self._keys.events:
            event = msgpack.unpackb(data)
            deliver(WorkshopEvent(event["w"], event["k"], event.get("d") or {}), self._handlers)
            return
        node_id, payload = msgpack.unpackb(data)
        if node_id == self.node_id:
            return
        room = self._keys.room_of_awareness(channel)
        feed = self._feeds.get(room)
        if feed is None:
            return
        if payload is None:
            self._share(room)  # another process started following the room
        else:
            feed.remote_awareness(node_id, payload)

    async def publish_event(self, event: WorkshopEvent) -> None:
        """Publish to every process; if Redis cannot take it, this process still acts on it."""
        message = msgpack.packb({"w": event.workshop_id, "k": event.kind, "d": event.data})
        try:
            await self._client.publish(self._keys.events, message)
        except REDIS_DOWN as exc:
            logger.warning("Redis bus: %s event not sent to other processes: %s", event.kind, exc)
            deliver(event, self._handlers)

    def subscribe(self, handler: EventHandler) -> None:
        """Call handler for every workshop event from now on."""
        self._handlers.append(handler)

    def health(self) -> str | None:
        """Why the bus cannot reach Redis, or None."""
        return self._reading.reason or self._listening.reason
