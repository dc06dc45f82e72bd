"""The observers' copy of a room: a board document the server writes itself.

Observers never see the room's own document. The first observer of a room
makes its ``Projection``: a separate Yjs document, under a client id of the
server's, holding what the room's filter lets out (``Commands.observed``,
workshop/visibility.py). After the room changes, the projection waits
``WINDOW`` seconds, so that a burst of edits is one write, reads the
room's filtered board, writes the difference into its document in one
transaction, and sends that update, encoded once, to every observer.

Because the copy is made per process, its Yjs items differ from one
process (or restart) to the next: an observer that reconnects starts from
an empty document (docs/protocol.md, "Observers").
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from pycrdt import Doc, Map, Text

from board_server.model import BOARD_ROOTS, BOARD_TEXTS
from board_server.rooms.audience import Audience
from board_server.rooms.frame import Frame, step2_frame
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

WINDOW = 0.2
"""Seconds from a change of the room to the observers' update: edits within
it go out as one write."""

Board = dict[str, dict[str, Any]]


def _text_diff(text: Text, old: str, new: str) -> None:
    """Turn ``text`` (holding ``old``) into ``new``, changing only the middle
    that differs. pycrdt counts Text offsets in UTF-8 bytes."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]:
        end += 1
    at = len(old[:start].encode())
    gone = len(old[start : len(old) - end].encode())
    if gone:
        del text[at : at + gone]
    added = new[start : len(new) - end]
    if added:
        text.insert(at, added)


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
        view: Callable[[], Board],
        command: Callable[[Peer, bytes], None],
    ) -> None:
        """``view`` reads the room's board as observers may see it; ``command``
        handles a type-100 message of an observer (the room's commands)."""
        self.key = key
        self.doc: Doc[Any] = Doc(client_id=secrets.randbelow(2**53 - 1) + 1)
        self.peers: set[Peer] = set()
        self._view = view
        self._command = command
        self._shown: Board = {}
        self._due: asyncio.TimerHandle | None = None
        self._audience: Audience | None = None
        self._loop = asyncio.get_running_loop()
        self.refresh()

    # Connections.
    def connect(
        self, transport: Transport, session: Session, *, queue_limit: int, label: str
    ) -> Peer:
        """Admit an observer; it asks for the document with its sync step 1."""
        peer = Peer(self, transport, session, queue_limit=queue_limit, label=label)
        self.peers.add(peer)
        self._audience = None
        return peer

    def peer_changed(self, peer: Peer) -> None:
        """A peer's direct write may have changed."""
        if peer in self.peers:
            self._audience = None

    def peer_closed(self, peer: Peer) -> None:
        """The peer is closing: it leaves (the room forgets it too)."""
        self._loop.call_soon(self.remove, peer)

    def remove(self, peer: Peer) -> None:
        """Forget a peer. Idempotent."""
        if peer in self.peers:
            self.peers.discard(peer)
            self._audience = None

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
        """Stop refreshing (the last observer left, or the room closed)."""
        if self._due is not None:
            self._due.cancel()
            self._due = None

    # The document.
    def changed(self) -> None:
        """The room changed: refresh within WINDOW."""
        if self._due is None:
            self._due = self._loop.call_later(WINDOW, self._refresh_due)

    def _refresh_due(self) -> None:
        self._due = None
        self.refresh()

    def refresh(self) -> None:
        """Bring the document up to the room's filtered board now, and send
        the change to every observer."""
        board = self._view()
        before = self.doc.get_state()
        with self.doc.transaction(origin="projection"):
            for root in BOARD_ROOTS:
                self._write_root(root, self._shown.get(root, {}), board.get(root, {}))
        self._shown = board
        update = self.doc.get_update(before)
        if update != b"\x00\x00" and self.peers:
            if self._audience is None:
                self._audience = Audience(self.peers)
            if not self._audience.send(Frame(encode_sync_update(update)), None, self.key):
                self._audience = None

    def _write_root(self, root: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        target = self.doc.get(root, type=Map)
        texts = BOARD_TEXTS.get(root, frozenset())
        for key in old.keys() - new.keys():
            del target[key]
        for key, value in new.items():
            before = old.get(key)
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
