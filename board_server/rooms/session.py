"""Who a connection is, as a room sees it: fixed when the connection opens."""

from __future__ import annotations

from dataclasses import dataclass

from board_server.model import Role


@dataclass(frozen=True)
class Session:
    """One connection's identity: its role, its participant, and whether it
    speaks the command channel (message type 100, after a ``hello``).

    Frozen: a change (a hello, a move to another room) replaces the session.
    """

    role: Role
    participant_id: str | None = None
    commands: bool = False
    # The token's holder id, for the audit list (a facilitator's token id).
    holder_id: str = ""
    # A participant looking at another room's board (the spotlight, or a
    # gallery walk): read only.
    spectator: bool = False
    # A spectator's own room, where its seat is.
    home: str | None = None

    @property
    def read_only(self) -> bool:
        """Board writes from this connection are dropped."""
        return self.role.read_only or self.spectator

    @property
    def projected(self) -> bool:
        """This connection sees the room's projection, never the room's own
        document: an observer."""
        return self.role is Role.OBSERVER

    @property
    def sees_awareness(self) -> bool:
        """Presence (names, cursors) reaches this connection; never an observer's."""
        return self.role is not Role.OBSERVER
