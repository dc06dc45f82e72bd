"""The rules of a cast and the sums of a tally, shared by the stores.

SQLiteStore applies ``apply_cast`` inside a write transaction; RedisStore runs
the same rules in a Lua script (``storage/redis_lua.py``, "cast"), and the
conformance tests hold both to the same answers.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgpack

from board_server.model import SCALE_TOP, Tally, VoteRules


def apply_cast(
    ballot: Mapping[str, int], item: str, amount: int, rules: VoteRules
) -> tuple[str | None, dict[str, int]]:
    """(refusal or None, the ballot after the cast); the ballot is not changed
    when refused. Items at 0 are left out."""
    after = dict(ballot)
    current = after.get(item, 0)
    if rules.mode == "scale":
        if not 0 <= amount <= SCALE_TOP:
            return "invalid", dict(ballot)
        new = amount
    else:
        new = current + amount
        if new < 0:
            return "invalid", dict(ballot)
        if amount > 0 and (new > rules.cap or sum(after.values()) + amount > rules.budget):
            return "over_budget", dict(ballot)
    if new:
        after[item] = new
    else:
        after.pop(item, None)
    return None, after


def tally(mode: str, ballots: Mapping[str, Mapping[str, int]], *, named: bool = False) -> Tally:
    """The sums of these ballots (voter id → ballot); naming nobody unless
    the vote is ``named``."""
    totals: dict[str, int] = {}
    spread: dict[str, list[int]] = {}
    who: dict[str, list[tuple[str, int]]] = {}
    voters = 0
    for voter, ballot in ballots.items():
        if not ballot:
            continue
        voters += 1
        for item, amount in ballot.items():
            totals[item] = totals.get(item, 0) + amount
            if mode == "scale":
                spread.setdefault(item, [0] * SCALE_TOP)[amount - 1] += 1
            if named:
                who.setdefault(item, []).append((voter, amount))
    return Tally(
        totals,
        {item: tuple(counts) for item, counts in spread.items()},
        voters,
        {item: tuple(sorted(pairs)) for item, pairs in who.items()},
    )


def pack_tally(result: Tally) -> bytes:
    """The stored form (msgpack)."""
    spread = {item: list(counts) for item, counts in result.spread.items()}
    raw: dict[str, object] = {"t": result.totals, "s": spread, "v": result.voters}
    if result.named:
        raw["n"] = {item: [list(pair) for pair in pairs] for item, pairs in result.named.items()}
    data: bytes = msgpack.packb(raw)
    return data


def unpack_tally(data: bytes) -> Tally:
    """Read the stored form."""
    raw = msgpack.unpackb(data)
    named = {
        item: tuple((str(voter), int(amount)) for voter, amount in pairs)
        for item, pairs in raw.get("n", {}).items()
    }
    spread = {k: tuple(v) for k, v in raw["s"].items()}
    return Tally(dict(raw["t"]), spread, int(raw["v"]), named)
