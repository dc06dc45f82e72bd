"""The facilitator's countdown: an end time, or the time left while paused.

Server-authoritative and never ticking: clients count down from ``ends_at``
(corrected for their clock's skew). Every method returns a new Timer, or
raises ``BoardError("conflict")`` when the timer is not in a state it
applies to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from board_server.errors import BoardError

MAX_SECONDS = 12 * 3600

TimerState = Literal["stopped", "running", "paused"]


@dataclass(frozen=True)
class Timer:
    """One room's countdown."""

    state: TimerState = "stopped"
    ends_at: float | None = None
    remaining: float | None = None
    duration: float = 0.0

    def left(self, now: float) -> float:
        """Seconds left at ``now`` (0 once ended or stopped)."""
        if self.state == "running" and self.ends_at is not None:
            return max(0.0, self.ends_at - now)
        if self.state == "paused" and self.remaining is not None:
            return self.remaining
        return 0.0

    def ended(self, now: float) -> bool:
        """A running timer whose end has passed."""
        return self.state == "running" and self.left(now) <= 0

    @staticmethod
    def start(seconds: float, now: float) -> Timer:
        """A timer running for ``seconds`` from now."""
        return Timer("running", ends_at=now + seconds, duration=float(seconds))

    def pause(self, now: float) -> Timer:
        """Hold the time left."""
        if self.state != "running" or self.ended(now):
            raise BoardError("conflict", "The timer is not running.")
        return Timer("paused", remaining=self.left(now), duration=self.duration)

    def resume(self, now: float) -> Timer:
        """Run again from the time that was left."""
        if self.state != "paused" or self.remaining is None:
            raise BoardError("conflict", "The timer is not paused.")
        return Timer("running", ends_at=now + self.remaining, duration=self.duration)

    def add(self, seconds: float, now: float) -> Timer:
        """Add (or take away) time; the time left stays within 0 to 12 hours.
        An ended timer starts again from now."""
        if self.state == "stopped":
            raise BoardError("conflict", "The timer is not running.")
        left = min(MAX_SECONDS, max(0.0, self.left(now) + seconds))
        if self.ended(now) and left <= 0:
            raise BoardError("conflict", "The timer has already ended.")
        duration = max(left, min(MAX_SECONDS, self.duration + seconds))
        if self.state == "paused":
            return Timer("paused", remaining=left, duration=duration)
        return Timer("running", ends_at=now + left, duration=duration)

    def stop(self) -> Timer:
        """Clear the timer."""
        if self.state == "stopped":
            raise BoardError("conflict", "The timer is not running.")
        return STOPPED

    def as_dict(self) -> dict[str, Any]:
        """The wire form (docs/protocol.md, TIMER)."""
        if self.state == "running":
            return {"state": "running", "ends_at": self.ends_at, "duration": self.duration}
        if self.state == "paused":
            return {"state": "paused", "remaining": self.remaining, "duration": self.duration}
        return {"state": "stopped"}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Timer:
        """Read the wire form back (as stored)."""
        state = data.get("state")
        if state == "running":
            return Timer("running", ends_at=float(data["ends_at"]), duration=data["duration"])
        if state == "paused":
            return Timer("paused", remaining=float(data["remaining"]), duration=data["duration"])
        return STOPPED


STOPPED = Timer()
