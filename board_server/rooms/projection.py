"""The observers' copy of a room: a board document the server writes itself.

Observers never see the room's own document. The first observer of a room
makes its ``Projection``: a separate Yjs document, under a client id of the
server's, holding what the room's filter lets out (``Commands.observed``,
workshop/visibility.py). It watches which entries of the room's board
change (a deep observer per root, which only notes keys). After the room
changes, it waits ``WINDOW`` seconds, so that a burst of edits is one
write, reads those entries through the filter (every entry only when what
is withheld changed) and writes the difference into its document,
``CHUNK`` entries per turn of the event loop, then sends the whole change
as one update, encoded once, to every observer, a slice of ``SLICE``
sockets at a time. So the room's own writers never wait behind a whole
refresh or a thousand sends.

Because the copy is made per process, its Yjs items differ from one
process (or restart) to the next: an observer that reconnects starts from
an empty document (docs/protocol.md, "Observers").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pycrdt import Doc, Map, Subscription, Text

from board_server.model import BOARD_ROOTS, BOARD_TEXTS
from board_server.rooms.audience import Audience
from board_server.rooms.frame import Frame, step2_frame
from board_server.rooms.pacer import SENT, Job, pacer
from board_server.rooms.peer import Peer, Transport
from board_server.rooms.session import Session
from board_server.sync import (
    AwarenessMessage,
    BoardMessage,
    QueryAwareness,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    UnknownMessage,
    encode_sync_update,
    parse_message,
)
from board_server.sync.awareness import parse_awareness

logger = logging.getLogger("board.room")

WINDOW = 0.4
"""Seconds from a change of the room to the observers' update: edits within
it go out as one write."""
SLICE = 8
"""Observers sent a frame in one step of the pacer; after it the pacer
pauses (rooms/pacer.py), so that the event loop reads its sockets (the
room's writers) before the next slice, however many rooms are sending."""
CHUNK = 4
"""Entries a refresh reads and writes in one step of the pacer."""

Board = dict[str, dict[str, Any]]
Wanted = dict[str, set[str]]
"""Per root, the keys of the entries to read; None stands for every entry."""


def _text_diff(text: Text, old: str, new: str) -> None:
    """Turn ``text`` (holding ``old``) into ``new``, changing only the middle
    that differs. pycrdt counts Text offsets in UTF-8 bytes."""
    limit = min(len(old), len(new))
    start = _common_length(old, new, limit, lambda s, n: s[:n])
    end = _common_length(old, new, limit - start, lambda s, n: s[len(s) - n :])
    at = len(old[:start].encode())
    gone = len(old[start : len(old) - end].encode())
    if gone:
        del text[at : at + gone]
    added = new[start : len(new) - end]
    if added:
        text.insert(at, added)


def _common_length(old: str, new: str, limit: int, part: Callable[[str, int], str]) -> int:
    """The longest n <= limit with part(old, n) == part(new, n), for a
    prefix or suffix taker: a binary search of string comparisons, so that
    a note of thousands of characters costs a few C-level compares rather
    than a Python step per character."""
    if part(old, limit) == part(new, limit):
        return limit  # typing at the end (or the start): the usual case
    low, high = 0, limit - 1
    while low < high:
        middle = (low + high + 1) // 2
        if part(old, middle) == part(new, middle):
            low = middle
        else:
            high = middle - 1
    return low


def _fresh(value: Any, texts: frozenset[str]) -> Any:
    """A new entry: a Y.Map of its fields, the schema's text fields as Y.Text."""
    if not isinstance(value, dict):
        return value
    return Map({key: _field(key, v, texts) for key, v in value.items()})


def _field(key: str, value: Any, texts: frozenset[str]) -> Any:
    return Text(value) if key in texts and isinstance(value, str) else value


class Projection:
    """The observers of one room and the document they see."""

    def __init__(
        self,
        key: object,
        source: Doc[Any],
        view: Callable[[Wanted | None], Board],
        command: Callable[[Peer, bytes], None],
    ) -> None:
        """``source`` is the room's document; ``view(wanted)`` reads those of
        its entries (all with None) as observers may see them, leaving out
        the ones they may not, and may add to ``wanted`` the entries whose
        visibility follows those; ``command`` handles a type-100 message of
        an observer (the room's commands)."""
        self.key = key
        self.doc: Doc[Any] = Doc(client_id=secrets.randbelow(2**53 - 1) + 1)
        self.peers: set[Peer] = set()
        self._view = view
        self._source = source
        self._command = command
        self._shown: Board = {}
        self._dirty: Wanted = {}
        self._everything = True
        self._due: asyncio.TimerHandle | None = None
        self._outbox: deque[Frame] = deque()
        self._sender: Job | None = None
        self._refreshing: Job | None = None
        self._again = False
        self._loop = asyncio.get_running_loop()
        self._watching: list[Subscription] = []
        for root in BOARD_ROOTS:
            # pycrdt's own observe_deep turns every event into Python objects,
            # its delta and its target included, before the callback runs:
            # about 6 µs on every writer's update. Watching the integrated
            # type gets the raw events, and ``note`` reads only their paths
            # (under 1 µs).
            target = source.get(root, type=Map).integrated
            self._watching.append(target.observe_deep(self._noter(root)))
        self.refresh()

    def _noter(self, root: str) -> Callable[[list[Any]], None]:
        def note(events: list[Any]) -> None:
            # Inside the room's transaction, with pycrdt's raw events (a raw
            # map event's ``keys`` holds the changed keys): keys only, nothing
            # else is read. It
            # must never raise there (the writer's update would be refused),
            # so anything odd means reading every entry next time.
            try:
                keys = self._dirty.setdefault(root, set())
                for event in events:
                    path = event.path
                    if path:
                        keys.add(str(path[0]))
                    else:
                        keys.update(str(k) for k in event.keys)
            except Exception:
                logger.exception("room %s: a change the projection could not read", self.key)
                self._everything = True

        return note

    # Connections.
    def connect(
        self, transport: Transport, session: Session, *, queue_limit: int, label: str
    ) -> Peer:
        """Admit an observer; it asks for the document with its sync step 1."""
        peer = Peer(self, transport, session, queue_limit=queue_limit, label=label)
        self.peers.add(peer)
        return peer

    def peer_changed(self, peer: Peer) -> None:
        """A peer's direct write may have changed: each frame reads them afresh."""

    def peer_closed(self, peer: Peer) -> None:
        """The peer is closing: it leaves (the room forgets it too)."""
        self._loop.call_soon(self.remove, peer)

    def remove(self, peer: Peer) -> None:
        """Forget a peer. Idempotent."""
        self.peers.discard(peer)

    def receive(self, peer: Peer, data: bytes) -> None:
        """One frame from an observer: reads are answered from the projection,
        writes are dropped and counted. Raises ProtocolError when malformed."""
        message = parse_message(data)
        if isinstance(message, SyncStep1):
            peer.send(step2_frame(self.doc, message.state_vector))
        elif isinstance(message, (SyncStep2, SyncUpdate)):
            peer.dropped_writes += 1
        elif isinstance(message, AwarenessMessage):
            parse_awareness(message.payload)  # malformed closes, as on a board
            peer.dropped_writes += 1
            # Echoed to its sender alone: y-websocket closes a connection that
            # hears nothing for 30 s.
            peer.send(Frame(data))
        elif isinstance(message, QueryAwareness):
            pass  # observers see no presence
        elif isinstance(message, BoardMessage):
            self._command(peer, message.body)
        elif isinstance(message, UnknownMessage) and not peer.unknown_logged:
            peer.unknown_logged = True
            logger.info("room %s: ignoring message type %d from %s", self.key, message.type,
                        peer.label)  # fmt: skip

    def close(self, code: int, reason: str) -> None:
        """Close every observer and stop refreshing."""
        self.cancel()
        for peer in list(self.peers):
            peer.close(code, reason)

    def cancel(self) -> None:
        """Stop refreshing and sending, and stop watching the room (the last
        observer left, or the room closed)."""
        if self._due is not None:
            self._due.cancel()
            self._due = None
        for job in (self._refreshing, self._sender):
            if job is not None:
                with contextlib.suppress(ValueError):  # a job cannot close itself
                    job.close()
        self._outbox.clear()
        for subscription in self._watching:
            subscription.drop()
        self._watching = []

    # The document.
    def changed(self, *, everything: bool = False) -> None:
        """The room changed (``everything``: what is withheld changed, so every
        entry is read again): refresh within WINDOW."""
        self._everything = self._everything or everything
        if self._due is None:
            self._due = self._loop.call_later(WINDOW, self._refresh_due)

    def _refresh_due(self) -> None:
        self._due = None
        if self._refreshing is not None:
            self._again = True  # the running refresh goes round once more
            return
        self._refreshing = self._refreshes()
        pacer().add(self._refreshing)

    def _refreshes(self) -> Job:
        """``refresh``, a chunk per step of the process's pacer (rooms/pacer.py),
        so that no writer of any room waits behind a whole refresh."""
        try:
            again = True
            while again:
                self._again = False
                yield from self._steps()
                again = self._again
        finally:
            self._refreshing = None

    def refresh(self) -> None:
        """Bring the document up to the room's filtered board now, and send
        the change to every observer."""
        for _ in self._steps():
            pass

    def _steps(self) -> Iterator[None]:
        """The refresh, yielding after each ``CHUNK`` entries. Each chunk is
        read through the filter and written in a transaction of its own; the
        observers get one update, everything since the first chunk. What
        changes in the room meanwhile is noted for the next refresh."""
        wanted: Wanted = self._dirty
        if self._everything:
            wanted = self._every_key()
        self._dirty, self._everything = {}, False
        if not any(wanted.values()):
            return
        before = self.doc.get_state()
        # Notes come before actions in BOARD_ROOTS: reading a note adds the
        # cards made from it to ``wanted``.
        for root in BOARD_ROOTS:
            shown = self._shown.setdefault(root, {})
            keys = list(wanted.get(root, ()))
            for start in range(0, len(keys), CHUNK):
                part: Wanted = {root: set(keys[start : start + CHUNK])}
                with self._source.transaction():
                    board = self._view(part)
                for other, more in part.items():
                    if other != root:
                        wanted.setdefault(other, set()).update(more)
                with self.doc.transaction(origin="projection"):
                    self._write_root(root, shown, board.get(root, {}), part[root])
                yield
        update = self.doc.get_update(before)
        if update != b"\x00\x00" and self.peers:
            self._outbox.append(Frame(encode_sync_update(update)))
            if self._sender is None:
                self._sender = self._sending()
                pacer().add(self._sender)

    def _every_key(self) -> Wanted:
        """Every entry of the room's board and of the projection, per root."""
        every: Wanted = {}
        for root in BOARD_ROOTS:
            every[root] = set(self._source.get(root, type=Map).keys())
            every[root].update(self._shown.get(root, {}))
        return every

    def _sending(self) -> Job:
        """Send the queued frames in order, each to every observer, a slice of
        sockets per step of the pacer (an observer that joins meanwhile has
        the update in its sync)."""
        try:
            while self._outbox:
                frame = self._outbox.popleft()
                peers = list(self.peers)
                for start in range(0, len(peers), SLICE):
                    Audience(peers[start : start + SLICE]).send(frame, None, self.key)
                    yield SENT
        finally:
            self._sender = None

    def _write_root(
        self, root: str, shown: dict[str, Any], new: Mapping[str, Any], keys: set[str]
    ) -> None:
        """Write the entries ``keys`` of the root as ``new`` has them (a key
        missing from ``new`` is deleted); ``shown`` follows the document."""
        target = self.doc.get(root, type=Map)
        texts = BOARD_TEXTS.get(root, frozenset())
        for key in keys:
            if key not in new:
                if key in shown:
                    del shown[key]
                    del target[key]
                continue
            value = new[key]
            before = shown.get(key)
            shown[key] = value
            if before == value:
                continue
            entry = target.get(key) if isinstance(before, dict) else None
            if not isinstance(value, dict) or not isinstance(entry, Map):
                target[key] = _fresh(value, texts)
                continue
            assert isinstance(before, dict)
            for field in before.keys() - value.keys():
                del entry[field]
            for field, changed in value.items():
                was = before.get(field)
                if was == changed:
                    continue
                current = entry.get(field)
                if isinstance(current, Text) and isinstance(was, str) and isinstance(changed, str):
                    _text_diff(current, was, changed)
                else:
                    entry[field] = _field(field, changed, texts)
