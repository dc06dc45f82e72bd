"""A loaded room: its board document, its peers, and batched fan-out."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

from pycrdt import Doc, merge_updates

from board_server.errors import Close
from board_server.model import RoomKey, StoredDoc
from board_server.rooms.audience import Audience
from board_server.rooms.frame import Frame, step2_frame
from board_server.rooms.keeper import Keeper
from board_server.rooms.peer import (
    AwarenessTooLarge,
    InvalidUpdate,
    Peer,
    PeerState,
    Transport,
)
from board_server.rooms.projection import Board, Projection, Wanted
from board_server.rooms.session import Session
from board_server.storage import StoreError
from board_server.sync import (
    AwarenessMessage,
    AwarenessStates,
    BoardMessage,
    ProtocolError,
    QueryAwareness,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    UnknownMessage,
    encode_awareness,
    encode_sync_step1,
    encode_sync_update,
    parse_message,
)
from board_server.sync.awareness import (
    AwarenessEntry,
    encode_awareness_update,
    keep_presences,
    parse_awareness,
)

logger = logging.getLogger("board.room")

_EMPTY_UPDATE = b"\x00\x00"
MAX_AWARENESS_STATE = 4096
"""Bytes of one awareness state (JSON): a cursor and a colour need a few dozen."""
MAX_AWARENESS_CLIENTS = 4
"""Awareness client ids one connection may hold (a y-websocket tab has one)."""


def _check_awareness(entries: list[AwarenessEntry], held: set[int]) -> None:
    """Raise AwarenessTooLarge for a state over the limit, or for a connection
    that would hold too many client ids."""
    for entry in entries:
        if len(entry.state_json.encode()) > MAX_AWARENESS_STATE:
            raise AwarenessTooLarge(f"awareness state over {MAX_AWARENESS_STATE} bytes")
    new = {e.client_id for e in entries if not e.removed and e.client_id not in held}
    if len(held) + len(new) > MAX_AWARENESS_CLIENTS:
        raise AwarenessTooLarge(f"more than {MAX_AWARENESS_CLIENTS} awareness clients")


_FATAL = (KeyboardInterrupt, SystemExit, asyncio.CancelledError, GeneratorExit)


# A room with this many peers flushes at most once per BUSY_WINDOW: there a
# flush costs a write per peer, and merging two updates into one frame halves
# that. Smaller rooms flush on the next loop iteration. See docs/benchmarks.md.
BUSY_PEERS = 30
BUSY_WINDOW = 0.001


def doc_from_stored(stored: StoredDoc) -> Doc[Any]:
    """A document rebuilt from a snapshot and the log after it (merged, then applied once)."""
    doc: Doc[Any] = Doc()
    if stored.snapshot:
        doc.apply_update(stored.snapshot)
    if stored.updates:
        doc.apply_update(merge_updates(*stored.updates))
    return doc


class Commands(Protocol):
    """The handler of command-channel messages (type 100), injected into rooms."""

    def handle(self, room: Room, peer: Peer, body: bytes) -> None:
        """Handle one command message from a peer of the room."""

    def refuses(self, room: Room, peer: Peer) -> bool:
        """Whether the peer's board writes must be dropped now (a locked room)."""

    def edited(self, room: Room) -> None:
        """The room's board changed here (a batch of its updates was logged)."""

    def observed(self, room: Room, wanted: Wanted | None) -> Board:
        """The room's board as observers may see it, root by root, as plain
        data: only the ``wanted`` entries (every one with None), leaving out
        those observers may not see."""


class IgnoreCommands:
    """Rooms without a command channel (tests of the sync core): ignore type 100."""

    def handle(self, room: Room, peer: Peer, body: bytes) -> None:
        """Ignore the message."""

    def refuses(self, room: Room, peer: Peer) -> bool:
        """Nothing is ever locked."""
        return False

    def observed(self, room: Room, wanted: Wanted | None) -> Board:
        """No filter is known here, so observers see nothing."""
        return {}

    def edited(self, room: Room) -> None:
        """Nothing to note."""


class _RemoteOwner:
    """Stands for the connections of another process in awareness bookkeeping."""

    __slots__ = ("node_id",)

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id


class Room:
    """One board document shared by the peers connected to it.

    Updates are applied, persisted, then fanned out. Fan-out is flushed on the
    next loop iteration, so updates that arrive together are merged into one
    frame that is encoded once and shared by every peer. A room of
    BUSY_PEERS or more flushes at most every BUSY_WINDOW seconds, so under
    load it sends fewer, bigger frames; a quiet one still sends at once.

    A broadcast calls each open socket's own write with the shared bytes
    (``Peer.direct``); only peers that are backed up or closing go through
    ``Peer.send``. The split is cached and rebuilt after any peer changes.

    A local update reaches the other peers only after the keeper has logged
    it as far as the store promises (at once with SQLite, after Redis has it
    in Redis mode). If the log refuses an update, the room gives up: every
    peer is closed with 1013 and resends what the room lost when it
    reconnects to a freshly loaded room. Updates from other processes arrive
    through ``remote_updates`` already logged, and go straight out.
    """

    def __init__(
        self, key: RoomKey, doc: Doc[Any], keeper: Keeper, *, commands: Commands | None = None
    ) -> None:
        self.key = key
        self.doc = doc
        self.peers: set[Peer] = set()
        self.awareness = AwarenessStates()
        self.closed = False
        self._broken = False
        self._keeper = keeper
        self._commands = commands or IgnoreCommands()
        self._remote_owners: dict[str, _RemoteOwner] = {}
        self._pending: list[bytes] = []
        self._pending_origins: set[Peer] = set()
        # Writers whose edits a lock dropped: asked for them again on unlock.
        self._refused: set[Peer] = set()
        self._flush_handle: asyncio.Handle | None = None
        self._loop = asyncio.get_running_loop()
        self._last_flush = 0.0
        self._everyone: Audience | None = None
        self._aware: Audience | None = None
        # The observers' copy, while the room has observers here.
        self.projection: Projection | None = None

    @property
    def idle(self) -> bool:
        """No connection of any kind is left: the room may unload."""
        return not self.peers and self.projection is None

    def connections(self) -> list[Peer]:
        """Every peer of the room, observers included."""
        observers = list(self.projection.peers) if self.projection is not None else []
        return [*self.peers, *observers]

    def _peers_changed(self) -> None:
        self._everyone = self._aware = None

    def connect(
        self, transport: Transport, session: Session, *, queue_limit: int, label: str
    ) -> Peer:
        """Admit a connection as a new peer and start the sync handshake with
        it; an observer goes to the room's projection."""
        if session.projected:
            if self.projection is None:
                self.projection = Projection(
                    self.key,
                    self.doc,
                    lambda wanted: self._commands.observed(self, wanted),
                    lambda peer, body: self._commands.handle(self, peer, body),
                )
            return self.projection.connect(transport, session, queue_limit=queue_limit, label=label)
        peer = Peer(self, transport, session, queue_limit=queue_limit, label=label)
        self.peers.add(peer)
        self._peers_changed()
        if not peer.read_only:
            # Ask for what the client has that we lack (offline edits, or
            # edits that were lost when a server crashed).
            peer.send(Frame(encode_sync_step1(self.doc.get_state())))
        if peer.sees_awareness and len(self.awareness):
            peer.send(self._awareness_snapshot())
        return peer

    def peer_changed(self, peer: Peer) -> None:
        """A peer's direct write may have changed: rebuild the audiences."""
        if peer in self.peers:
            self._peers_changed()

    def peer_closed(self, peer: Peer) -> None:
        """A peer started closing: it leaves at once; deferred because it may
        close in the middle of a fan-out loop."""
        self._loop.call_soon(self.remove, peer)

    def remove(self, peer: Peer) -> None:
        """Forget a peer and tell everyone, here and on other processes, that
        its presence is gone. Idempotent."""
        projection = self.projection
        if projection is not None and peer in projection.peers:
            projection.remove(peer)
            if not projection.peers:
                projection.cancel()
                self.projection = None
            return
        if peer not in self.peers:
            return
        self.peers.discard(peer)
        self._peers_changed()
        self._pending_origins.discard(peer)
        self._refused.discard(peer)
        removals = self.awareness.drop_owner(peer)
        if removals:
            payload = encode_awareness_update(removals)
            self._send_awareness(Frame(encode_awareness(payload)))
            self._keeper.publish_awareness(self, payload)

    def _awareness_snapshot(self) -> Frame:
        return Frame(encode_awareness(encode_awareness_update(self.awareness.snapshot())))

    def receive(self, peer: Peer, data: bytes) -> None:
        """Handle one frame from a peer.

        Raises ProtocolError for a malformed frame and InvalidUpdate for an
        update Yjs rejects. Read-only peers' writes are dropped and counted.
        """
        message = parse_message(data)
        if isinstance(message, SyncStep1):
            peer.send(step2_frame(self.doc, message.state_vector))
        elif isinstance(message, (SyncStep2, SyncUpdate)):
            if peer.read_only:
                peer.dropped_writes += 1
                return
            if self._commands.refuses(self, peer):
                # Yjs holds every later edit of this writer behind the dropped
                # one, so the room asks for it again when it unlocks.
                peer.dropped_writes += 1
                self._refused.add(peer)
                return
            self.apply(message.update, peer)
        elif isinstance(message, AwarenessMessage):
            entries = parse_awareness(message.payload)
            if peer.read_only:
                # Dropped, but echoed to the sender alone: y-websocket closes a
                # connection that hears nothing for 30 s, and this keeps a lone
                # viewer of a quiet board connected.
                peer.dropped_writes += 1
                peer.send(Frame(data))
                return
            _check_awareness(entries, self.awareness.owned(peer))
            entries = keep_presences(entries)
            person = peer.session.participant_id

            def same_person(holder: object) -> bool:
                # A tablet that reconnected before its old socket was dropped.
                return (
                    person is not None
                    and isinstance(holder, Peer)
                    and holder.session.participant_id == person
                )

            now = time.monotonic()
            applied = self.awareness.apply(peer, entries, now, takes_over=same_person)
            if not applied:
                # Nothing changed (or it named someone else's presence): only
                # its sender hears it back, for the keep-alive.
                peer.send(Frame(data))
                return
            # What was applied, and only that, goes to everyone, its sender
            # too, like y-websocket's server.
            payload = encode_awareness_update(applied)
            self._send_awareness(Frame(encode_awareness(payload)))
            self._keeper.publish_awareness(self, payload)
        elif isinstance(message, QueryAwareness):
            if peer.sees_awareness:
                peer.send(self._awareness_snapshot())
        elif isinstance(message, BoardMessage):
            self._commands.handle(self, peer, message.body)
        elif isinstance(message, UnknownMessage) and not peer.unknown_logged:
            peer.unknown_logged = True
            logger.info(
                "room %s: ignoring message type %d from %s", self.key, message.type, peer.label
            )

    def resync_refused(self) -> None:
        """The room unlocked: ask each writer whose edits it dropped for what the
        room lacks (sync step 1); they arrive like offline edits."""
        refused, self._refused = self._refused, set()
        if not refused:
            return
        frame = Frame(encode_sync_step1(self.doc.get_state()))
        for peer in refused:
            peer.send(frame)

    def apply(self, update: bytes, origin: Peer | None) -> None:
        """Apply a local update to the document and schedule its logging and fan-out."""
        if update == _EMPTY_UPDATE:
            return
        try:
            self.doc.apply_update(update)
        except BaseException as exc:
            # yrs can raise a PanicException, which is not an Exception.
            if isinstance(exc, _FATAL):
                raise
            raise InvalidUpdate(f"update rejected: {exc}"[:100]) from None
        self._pending.append(update)
        if origin is not None:
            self._pending_origins.add(origin)
        if self._flush_handle is None:
            now = self._loop.time()
            due = self._last_flush + (BUSY_WINDOW if len(self.peers) >= BUSY_PEERS else 0.0)
            if now >= due:
                self._flush_handle = self._loop.call_soon(self._flush)
            else:
                self._flush_handle = self._loop.call_at(due, self._flush)

    async def write(self, update: bytes) -> None:
        """An update the server makes itself (revealed drafts): apply it, log
        it now, and return once the store holds it. Raises StoreError if the
        room could not log it (the room has then given up)."""
        self.apply(update, None)
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush()
        if self._broken:
            raise StoreError(f"room {self.key} could not log the update")
        await self._keeper.log.flush()

    async def compact(self, *, scrub: bool = False) -> bool:
        """Fold the room's log into a snapshot now (after a note was hidden,
        with ``scrub``); False if the store or another process declined."""
        await self._keeper.settled(self)
        return await self._keeper.compact(self, scrub=scrub)

    def _flush(self) -> None:
        self._flush_handle = None
        self._last_flush = self._loop.time()
        updates, self._pending = self._pending, []
        origins, self._pending_origins = self._pending_origins, set()
        if not updates:
            return
        update = updates[0] if len(updates) == 1 else merge_updates(*updates)
        # A lone writer already has its own update; with several writers the
        # merged frame goes to all, which Yjs treats as idempotent.
        skip = next(iter(origins)) if len(origins) == 1 else None

        def fan_out() -> None:
            self._broadcast(Frame(encode_sync_update(update)), self._audience(), skip)
            if self.projection is not None:
                self.projection.changed()

        if self._broken:
            return
        try:
            self._keeper.append(self, update, fan_out)
        except StoreError as exc:
            self._give_up(str(exc))
            return
        self._commands.edited(self)

    def _give_up(self, reason: str) -> None:
        logger.error(
            "room %s: the log refused an update (%s); closing its %d connections so that "
            "they reconnect and resend it", self.key, reason, len(self.peers),
        )  # fmt: skip
        self.closed = self._broken = True
        self._keeper.broken(self)
        for peer in self.connections():
            peer.close(Close.TRY_AGAIN_LATER, "The board could not be saved; reconnecting.")

    def remote_updates(self, updates: list[bytes]) -> None:
        """Updates that other processes logged: apply them and send them to every peer."""
        if self.closed or not updates:
            return
        applied = []
        for update in updates:
            try:
                self.doc.apply_update(update)
            except BaseException as exc:
                if isinstance(exc, _FATAL):
                    raise
                logger.error("room %s: an update from the log was rejected: %s", self.key, exc)
                continue
            applied.append(update)
        self._keeper.count(self, len(updates))
        if applied:
            update = applied[0] if len(applied) == 1 else merge_updates(*applied)
            self._broadcast(Frame(encode_sync_update(update)), self._audience(), None)
            if self.projection is not None:
                self.projection.changed()

    def project_soon(self) -> None:
        """What observers may see changed without an edit (a note was marked
        "stays in the room"): refresh their copy from the whole board."""
        if self.projection is not None:
            self.projection.changed(everything=True)

    def remote_awareness(self, node_id: str, payload: bytes) -> None:
        """Presence from a connection on another process: keep it and pass it on."""
        if self.closed:
            return
        try:
            entries = parse_awareness(payload)
        except ProtocolError:
            logger.warning("room %s: malformed awareness from process %s", self.key, node_id)
            return
        owner = self._remote_owners.get(node_id)
        if owner is None:
            owner = self._remote_owners[node_id] = _RemoteOwner(node_id)
        applied = self.awareness.apply(owner, entries, time.monotonic())
        if applied:
            self._send_awareness(Frame(encode_awareness(encode_awareness_update(applied))))

    def expire_remote_awareness(self, before: float) -> None:
        """Drop other processes' presence not renewed since ``before`` (a dead process)."""
        removals = self.awareness.expire(before, lambda owner: isinstance(owner, _RemoteOwner))
        if removals:
            self._send_awareness(Frame(encode_awareness(encode_awareness_update(removals))))

    def _send_awareness(self, frame: Frame) -> None:
        self._broadcast(frame, self._awareness_audience(), None)

    def _audience(self) -> Audience:
        if self._everyone is None:
            self._everyone = Audience(self.peers)
        return self._everyone

    def _awareness_audience(self) -> Audience:
        if self._aware is None:
            self._aware = Audience(peer for peer in self.peers if peer.sees_awareness)
        return self._aware

    def _broadcast(self, frame: Frame, audience: Audience, skip: Peer | None) -> None:
        if not audience.send(frame, skip, self.key):
            self._peers_changed()

    def retire(self) -> None:
        """Take no new peers: the registry is unloading the room."""
        self.closed = True

    def discard(self, code: int, reason: str) -> None:
        """Close every peer and drop what is pending, logging nothing more: its
        workshop was deleted (the registry then has the keeper let go of it)."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        self._pending.clear()
        # As a room that gave up: a late server write logs nothing.
        self.closed = self._broken = True
        for peer in self.connections():
            if peer.state is PeerState.OPEN:
                peer.close(code, reason)
        if self.projection is not None:
            self.projection.cancel()

    async def close(self, code: int, reason: str) -> None:
        """Log what is pending, close every peer, and let the keeper compact the room."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush()
        self.closed = True
        for peer in self.connections():
            if peer.state is PeerState.OPEN:
                peer.close(code, reason)
        if self.projection is not None:
            self.projection.cancel()
        await self._keeper.closed(self)
