"""What the command channel says about votes: a ballot's remaining budget,
and a closed vote's ranked results. Pure; the hub does the I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from board_server.errors import BoardError
from board_server.model import Tally
from board_server.workshop.control import VoteSession

MAX_ITEM = 64


def left(vote: VoteSession, ballot: dict[str, int]) -> int | None:
    """What the person has left to give (None on the agreement scale)."""
    return None if vote.mode == "scale" else vote.budget - sum(ballot.values())


def parse_cast(args: dict[str, Any]) -> tuple[str, int]:
    """``vote.cast``'s item and amount."""
    item, amount = args.get("item"), args.get("amount")
    if not isinstance(item, str) or not 1 <= len(item) <= MAX_ITEM:
        raise BoardError("invalid", f"'item' must be a note or group id (1 to {MAX_ITEM}).")
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise BoardError("invalid", "'amount' must be a whole number.")
    return item, amount


REFUSALS = {
    "over_budget": "That is more than you have left, or more than one item may get.",
    "invalid": "You cannot take back more than you gave; a score is 1 to 5 (0 clears it).",
    "closed": "This vote is closed.",
}


def refusal(code: str) -> BoardError:
    """The command error for a refused cast."""
    wire = "conflict" if code == "closed" else code
    return BoardError(wire, REFUSALS.get(code, "The vote did not take that."))


def results(
    room_id: str, vote: VoteSession, tally: Tally, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The ranked results as pushed after reveal: the most given first (on
    the scale, the highest mean), then the item id; with the spread of
    scores on the scale, so that a split room shows as a split. A named
    vote's entries say who gave what (``by``) when ``names`` maps voter ids
    to names; never for an anonymous vote, whose tally names nobody."""
    ranked: list[dict[str, Any]] = []
    for item, total in tally.totals.items():
        entry: dict[str, Any] = {"item": item, "total": total}
        if vote.mode == "scale":
            counts = tally.spread.get(item, ())
            people = sum(counts)
            entry["spread"] = list(counts)
            entry["mean"] = round(total / people, 2) if people else None
        if names is not None and not vote.anonymous:
            given = [{"name": names[voter], "amount": amount}
                     for voter, amount in tally.named.get(item, ())]  # fmt: skip
            entry["by"] = sorted(given, key=lambda g: (-g["amount"], g["name"]))
        ranked.append(entry)
    key = "mean" if vote.mode == "scale" else "total"
    ranked.sort(key=lambda e: (-(e[key] or 0), e["item"]))
    for rank, entry in enumerate(ranked, start=1):
        entry["rank"] = rank
    return {
        "room": room_id, "vote": vote.id, "mode": vote.mode, "items": vote.items,
        "unit": vote.unit, "voters": tally.voters, "ranked": ranked,
    }  # fmt: skip
