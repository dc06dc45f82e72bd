"""Every Redis key and channel name, built and parsed in one place.

All names start with the deployment's prefix (``--redis-prefix``, default
``board:``), so several deployments, or several tests, share one Redis.
Workshop, participant and room ids never contain ``:`` (see
``workshop.service.new_id`` and the room ids ``r1``, ``r2`` ...).
"""

from __future__ import annotations

from board_server.model import RoomKey, VoteKey

DEFAULT_PREFIX = "board:"
# The kinds of key whose name holds the workshop id right after the kind.
_WORKSHOP_KINDS = frozenset(
    {
        "w",
        "p",
        "ps",
        "ctl",
        "audit",
        "online",
        "vote",
        "drafts",
        "draft",
        "doc",
        "log",
        "lock",
        "bin",
    }
)


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


class Keys:
    """Key and channel names under one prefix."""

    def __init__(self, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix

    # Process-wide secrets, shared by every process of a deployment.
    @property
    def secret(self) -> str:
        return f"{self.prefix}secret"

    @property
    def admin_token(self) -> str:
        return f"{self.prefix}admin_token"

    # Workshops.
    @property
    def workshops(self) -> str:
        """Sorted set of workshop ids, scored by creation time."""
        return f"{self.prefix}workshops"

    def workshop(self, workshop_id: str) -> str:
        """String: the workshop as JSON."""
        return f"{self.prefix}w:{workshop_id}"

    def join_code(self, code: str) -> str:
        """String: the id of the workshop with this (normalized) join code."""
        return f"{self.prefix}code:{code}"

    @property
    def activity(self) -> str:
        """Sorted set of workshop ids, scored by when each was last in use."""
        return f"{self.prefix}active"

    def workshop_pattern(self, workshop_id: str) -> str:
        """A SCAN pattern for every key named after the workshop (and a few
        others: ``workshop_of`` tells which are its own)."""
        return f"{_glob_escape(self.prefix)}*:{_glob_escape(workshop_id)}*"

    def workshop_of(self, key: str) -> str | None:
        """The workshop this key belongs to, if it is one named after its
        workshop (``w:``, ``p:``, ``log:`` ...); None for any other key."""
        if not key.startswith(self.prefix):
            return None
        kind, _, rest = key[len(self.prefix) :].partition(":")
        workshop_id = rest.partition(":")[0]
        return workshop_id if kind in _WORKSHOP_KINDS and workshop_id else None

    # Participants.
    def participant(self, workshop_id: str, participant_id: str) -> str:
        """Hash: one participant's fields."""
        return f"{self.prefix}p:{workshop_id}:{participant_id}"

    def participants(self, workshop_id: str) -> str:
        """Set: the ids of every participant the workshop ever had."""
        return f"{self.prefix}ps:{workshop_id}"

    def participant_owner(self, participant_id: str) -> str:
        """String: the id of the workshop the participant belongs to (participant ids
        are unique across workshops)."""
        return f"{self.prefix}pw:{participant_id}"

    # Control state.
    def control(self, workshop_id: str) -> str:
        """Hash: the workshop's control state, ``version`` and ``data``."""
        return f"{self.prefix}ctl:{workshop_id}"

    def audit(self, workshop_id: str) -> str:
        """List: the workshop's audit entries as msgpack, newest first."""
        return f"{self.prefix}audit:{workshop_id}"

    def presence(self, workshop_id: str) -> str:
        """Sorted set: participant ids, scored by the time until which each is online."""
        return f"{self.prefix}online:{workshop_id}"

    # Votes.
    def ballot(self, vote: VoteKey, participant_id: str) -> str:
        """Hash: one person's amounts per item in an open vote."""
        return f"{self.ballot_prefix(vote)}{participant_id}"

    def ballot_prefix(self, vote: VoteKey) -> str:
        """The start of every ballot key of the vote (the close script builds them)."""
        return f"{self.prefix}vote:{vote.workshop_id}:{vote.vote_id}:ballot:"

    def voters(self, vote: VoteKey) -> str:
        """Set: the ids of the people whose ballot in the open vote is not empty."""
        return f"{self.prefix}vote:{vote.workshop_id}:{vote.vote_id}:voters"

    def tally(self, vote: VoteKey) -> str:
        """Hash: a closed vote's tally (``v`` voters, ``t:ITEM`` totals, ``s:SCORE:ITEM``)."""
        return f"{self.prefix}vote:{vote.workshop_id}:{vote.vote_id}:tally"

    # The moderation bin.
    def bin(self, workshop_id: str) -> str:
        """Hash: ``{room}\x1f{note}`` -> msgpack ``[hidden_at, body]``, the notes the
        facilitator hid."""
        return f"{self.prefix}bin:{workshop_id}"

    # Drafts.
    def drafts(self, workshop_id: str) -> str:
        """Set: the ids of the workshop's drafts, waiting or sealed."""
        return f"{self.prefix}drafts:{workshop_id}"

    def draft(self, workshop_id: str, draft_id: str) -> str:
        """Hash: one draft (``room``, ``author``, ``created``, ``sealed``, ``body``)."""
        return f"{self.draft_prefix(workshop_id)}{draft_id}"

    def draft_prefix(self, workshop_id: str) -> str:
        """The start of every draft key of the workshop (the scripts build them)."""
        return f"{self.prefix}draft:{workshop_id}:"

    # Documents.
    def snapshot(self, room: RoomKey) -> str:
        """Hash: the room's snapshot (``snap``) and the log cursor it covers (``cursor``)."""
        return f"{self.prefix}doc:{room.workshop_id}:{room.room_id}"

    def log(self, room: RoomKey) -> str:
        """Stream: the room's updates after its snapshot; also the bus for them."""
        return f"{self.prefix}log:{room.workshop_id}:{room.room_id}"

    def room_of_log(self, key: str) -> RoomKey:
        """The room whose log this key is. Raises ValueError for any other key."""
        head = f"{self.prefix}log:"
        if not key.startswith(head):
            raise ValueError(f"not a log key: {key!r}")
        workshop_id, sep, room_id = key[len(head) :].partition(":")
        if not sep or not workshop_id or not room_id or ":" in room_id:
            raise ValueError(f"not a log key: {key!r}")
        return RoomKey(workshop_id, room_id)

    def compaction_lock(self, room: RoomKey) -> str:
        """String: the fencing token of the process compacting the room, while it does."""
        return f"{self.prefix}lock:{room.workshop_id}:{room.room_id}"

    @property
    def fencing(self) -> str:
        """Counter: the last fencing token handed out for a compaction lock."""
        return f"{self.prefix}fence"

    # Pub/sub channels.
    def awareness(self, room: RoomKey) -> str:
        """Channel: the room's awareness (presence) updates."""
        return f"{self.prefix}aw:{room.workshop_id}:{room.room_id}"

    def room_of_awareness(self, channel: str) -> RoomKey:
        """The room whose awareness channel this is. Raises ValueError otherwise."""
        head = f"{self.prefix}aw:"
        if not channel.startswith(head):
            raise ValueError(f"not an awareness channel: {channel!r}")
        workshop_id, sep, room_id = channel[len(head) :].partition(":")
        if not sep or not workshop_id or not room_id:
            raise ValueError(f"not an awareness channel: {channel!r}")
        return RoomKey(workshop_id, room_id)

    @property
    def events(self) -> str:
        """Channel: workshop events for every process (a participant left, and later
        phases, timer and votes)."""
        return f"{self.prefix}events"

    def wake(self, node_id: str) -> str:
        """Stream: written to wake one process's log reader when it follows a new room."""
        return f"{self.prefix}wake:{node_id}"
