"""The Redis bus: room logs read from their streams, awareness and events on pub/sub.

- **Room updates.** A room's stream is its log (``RedisStore`` appends to
  it), so publishing an update sends nothing more. One reader task per
  process runs a blocking XREAD over the streams of every room it follows,
  from each room's cursor, and hands other processes' entries to the room.
  Following a new room wakes the reader through this process's own wake
  stream, so the new room does not wait for the block to time out.
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
from redis.exceptions import TimeoutError as RedisTimeoutError

from board_server.bus.base import EventHandler, RoomFeed, WorkshopEvent, deliver
from board_server.model import RoomKey
from board_server.storage.base import Cursor
from board_server.storage.redis import RedisStore

logger = logging.getLogger("board.bus")

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
BLOCK_MS = 5000
READ_COUNT = 1000
# Between two XREADs that found updates: 50 µs per followed stream, at most 5 ms.
READ_PAUSE_PER_STREAM = 0.00005
READ_PAUSE_MAX = 0.005
CLOSE_WAIT = 2.0
BACKOFF_FIRST = 0.05
BACKOFF_MAX = 2.0

Entries = list[tuple[bytes, dict[bytes, bytes]]]


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

    def __init__(self, store: RedisStore) -> None:
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
        self._reader: redis.Redis | None = None
        self._subscriber: redis.Redis | None = None
        self._pubsub: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False

    @property
    def _client(self) -> redis.Redis:
        client: redis.Redis = self._store.client
        return client

    async def start(self) -> None:
        """Open the reader's and the subscriber's connections and start the loops."""
        # Each loop blocks on its own connection; commands share the store's pool.
        # The reader blocks up to BLOCK_MS on XREAD and the subscriber for ever,
        # so neither may have redis-py's default socket timeout (5 s in 8.x).
        self._reader = redis.Redis.from_url(
            self._store.url, socket_timeout=BLOCK_MS / 1000 + 5, socket_connect_timeout=5
        )
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
        closing: list[Awaitable[object]] = [
            client.aclose() for client in (self._reader, self._subscriber) if client
        ]
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
        channel = self._keys.awareness(room)
        self._subscribed.pop(channel, None)
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

    def _wake(self) -> None:
        # XADD to our wake stream ends the reader's XREAD block at once.
        self._outbox.append((self._wake_key, b""))
        self._outbox_ready.set()

    async def _read_loop(self) -> None:
        assert self._reader is not None
        while True:
            rooms = list(self._cursors.items())
            # The raw command: redis-py's xread() re-validates every stream per call.
            command: list[Any] = ["XREAD", "COUNT", READ_COUNT, "BLOCK", BLOCK_MS, "STREAMS"]
            command += [self._keys.log(room) for room, _ in rooms]
            command.append(self._wake_key)
            command += [cursor or "0-0" for _, cursor in rooms]
            command.append(self._wake_id)
            try:
                reply = cast(
                    "list[tuple[bytes, Entries]] | None",
                    await self._reader.execute_command(*command),  # type: ignore[no-untyped-call]
                )
            except REDIS_DOWN as exc:
                await asyncio.sleep(self._reading.failed(exc))
                continue
            self._reading.ok()
            for raw_key, entries in reply or []:
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
            if fields.get(b"n") != self._node:
                update = fields.get(b"u")
                if update is not None:
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
                # redis-py reconnects on the next call and subscribes again.
                await asyncio.sleep(self._listening.failed(exc))
                continue
            self._listening.ok()
            if message is None:
                continue
            if message.get("type") == "subscribe":
                confirmed = self._subscribed.get(message["channel"].decode())
                if confirmed is not None:
                    confirmed.set()
                continue
            if message.get("type") != "message":
                continue
            try:
                self._heard(message["channel"].decode(), message["data"])
            except Exception:
                logger.exception(
                    "Redis bus: a message on %r could not be handled", message["channel"]
                )

    def _heard(self, channel: str, data: bytes) -> None:
        if channel == self._keys.events:
            event = msgpack.unpackb(data)
            deliver(WorkshopEvent(event["w"], event["k"], event.get("d") or {}), self._handlers)
            return
        node_id, payload = msgpack.unpackb(data)
        if node_id == self.node_id:
            return
        feed = self._feeds.get(self._keys.room_of_awareness(channel))
        if feed is not None:
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
