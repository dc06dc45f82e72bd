"""Awareness (presence) bookkeeping for a relay that never interprets states.

The server only needs to know which client ids each connection introduced,
so that it can announce their removal when the connection closes, and the
latest state of each, so that a newcomer sees who is already here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from pycrdt import write_var_uint

from board_server.sync.protocol import ProtocolError, Reader

_NULL_STATE = "null"


@dataclass(frozen=True)
class AwarenessEntry:
    """One client's awareness state; state_json is the JSON text, "null" when gone."""

    client_id: int
    clock: int
    state_json: str

    @property
    def removed(self) -> bool:
        """True when the entry announces the client left."""
        return self.state_json == _NULL_STATE


def parse_awareness(payload: bytes) -> list[AwarenessEntry]:
    """Decode an awareness update. Raises ProtocolError when malformed."""
    reader = Reader(payload)
    count = reader.var_uint()
    # Each entry takes at least three bytes, so a huge count is a lie.
    if count * 3 > reader.remaining:
        raise ProtocolError("awareness entry count exceeds frame")
    entries = []
    for _ in range(count):
        client_id = reader.var_uint()
        clock = reader.var_uint()
        entries.append(AwarenessEntry(client_id, clock, reader.var_string()))
    reader.expect_end()
    return entries


_SPACE = re.compile(r"[a-z]{1,16}")
_FAR = 1e7  # board units: well past any board's edge


def _cursor(value: object) -> dict[str, object] | None:
    if not isinstance(value, dict):
        return None
    space, x, y = value.get("space"), value.get("x"), value.get("y")
    if not isinstance(space, str) or not _SPACE.fullmatch(space):
        return None
    for n in (x, y):
        if isinstance(n, bool) or not isinstance(n, (int, float)):
            return None
        if not math.isfinite(n) or abs(n) > _FAR:
            return None
    return {"space": space, "x": round(x), "y": round(y)}  # type: ignore[arg-type]


def keep_presence(state_json: str) -> str:
    """The part of an awareness state the server passes on: a pointer
    (``{"cursor": {"space", "x", "y"}}``) and nothing else. A name, a colour
    or any field a client adds is dropped, whatever it sends: the state is
    keyed by the Yjs client id that marks every edit of that client, so a
    name here would tie each note to a person."""
    if state_json == _NULL_STATE:
        return state_json
    try:
        state = json.loads(state_json)
    except (ValueError, RecursionError):
        return "{}"
    if not isinstance(state, dict) or "cursor" not in state:
        return "{}"
    cursor = _cursor(state["cursor"])
    return json.dumps({"cursor": cursor}, separators=(",", ":"))


def keep_presences(entries: list[AwarenessEntry]) -> list[AwarenessEntry]:
    """Entries with only what ``keep_presence`` passes on."""
    return [AwarenessEntry(e.client_id, e.clock, keep_presence(e.state_json)) for e in entries]


def encode_awareness_update(entries: list[AwarenessEntry]) -> bytes:
    """Encode entries as an awareness update payload."""
    out = bytearray(write_var_uint(len(entries)))
    for entry in entries:
        state = entry.state_json.encode("utf-8")
        out += write_var_uint(entry.client_id)
        out += write_var_uint(entry.clock)
        out += write_var_uint(len(state))
        out += state
    return bytes(out)


class AwarenessStates:
    """Current awareness states of one room, and which connection owns each."""

    def __init__(self) -> None:
        self._entries: dict[int, AwarenessEntry] = {}
        self._owners: dict[int, object] = {}
        self._held: dict[object, set[int]] = {}  # the inverse of _owners
        self._renewed: dict[int, float] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def apply(
        self,
        owner: object,
        entries: list[AwarenessEntry],
        now: float = 0.0,
        *,
        takes_over: Callable[[object], bool] = lambda _: False,
    ) -> list[AwarenessEntry]:
        """Record entries sent by owner at time ``now``; the ones that changed
        the room's view. An entry for a client id that another owner
        introduced changes nothing, unless ``takes_over(that owner)`` (the
        same person's new connection): a connection sets and removes only its
        own presence, whatever clock it claims."""
        applied: list[AwarenessEntry] = []
        for entry in entries:
            current = self._entries.get(entry.client_id)
            if current is None and entry.removed:
                continue
            holder = self._owners.get(entry.client_id)
            if current is not None and holder is not owner and not takes_over(holder):
                continue
            if current is not None and entry.clock < current.clock:
                continue
            if current is not None and entry.clock == current.clock and not entry.removed:
                continue
            applied.append(entry)
            if entry.removed:
                self._forget(entry.client_id)
            else:
                self._entries[entry.client_id] = entry
                self._own(entry.client_id, owner)
                self._renewed[entry.client_id] = now
        return applied

    def owned(self, owner: object) -> set[int]:
        """The client ids whose state this owner introduced and still holds."""
        return set(self._held.get(owner, ()))

    def _own(self, client_id: int, owner: object) -> None:
        previous = self._owners.get(client_id)
        if previous is not owner:
            if previous is not None:
                self._release(previous, client_id)
            self._owners[client_id] = owner
            self._held.setdefault(owner, set()).add(client_id)

    def _forget(self, client_id: int) -> None:
        self._entries.pop(client_id, None)
        self._renewed.pop(client_id, None)
        owner = self._owners.pop(client_id, None)
        if owner is not None:
            self._release(owner, client_id)

    def _release(self, owner: object, client_id: int) -> None:
        held = self._held[owner]
        held.discard(client_id)
        if not held:
            del self._held[owner]  # no reference to a closed connection stays

    def drop_owner(self, owner: object) -> list[AwarenessEntry]:
        """Forget every client the owner introduced; return their removal entries."""
        return self._remove(sorted(self._held.get(owner, ())))

    def expire(self, before: float, owned: Callable[[object], bool]) -> list[AwarenessEntry]:
        """Forget the states of owners that ``owned`` selects and that were not
        renewed since ``before``; return their removal entries."""
        return self._remove(
            [
                cid
                for cid, who in self._owners.items()
                if self._renewed.get(cid, 0.0) < before and owned(who)
            ]
        )

    def _remove(self, client_ids: list[int]) -> list[AwarenessEntry]:
        removals = []
        for client_id in client_ids:
            entry = self._entries[client_id]
            self._forget(client_id)
            removals.append(AwarenessEntry(client_id, entry.clock + 1, _NULL_STATE))
        return removals

    def snapshot(self) -> list[AwarenessEntry]:
        """Every current state, for a newcomer."""
        return list(self._entries.values())
