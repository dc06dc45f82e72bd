"""The facilitator's commands on a workshop's control state, without sockets."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import msgpack
import pytest

from board_server.errors import BoardError
from board_server.model import RoomInfo, Workshop
from board_server.workshop.control import DEFAULT_AGENDA, Control, execute, view

WORKSHOP = Workshop(
    "w1", "Housing", "ABC234", 0.0, (RoomInfo("r1", "Table 1"), RoomInfo("r2", "Table 2"))
)


def run(control: Control, cmd: str, now: float = 100.0, **args: Any) -> Control:
    return execute(control, WORKSHOP, cmd, args, now).control


def refused(control: Control, cmd: str, **args: Any) -> str:
    with pytest.raises(BoardError) as caught:
        execute(control, WORKSHOP, cmd, args, 100.0)
    return caught.value.code


def test_a_phase_for_every_room_or_for_one() -> None:
    control = run(Control(), "phase.set", phase="ideate")
    assert [control.room(r).phase for r in ("r1", "r2")] == ["ideate", "ideate"]
    control = run(control, "phase.set", phase="cluster", room="r2")
    assert [control.room(r).phase for r in ("r1", "r2")] == ["ideate", "cluster"]
    control = run(control, "phase.set", phase=None, room="r1")
    assert [control.room(r).phase for r in ("r1", "r2")] == [None, "cluster"]


def test_a_phase_must_be_on_the_agenda_and_a_room_must_exist() -> None:
    assert refused(Control(), "phase.set", phase="party") == "not_found"
    assert refused(Control(), "phase.set", phase="ideate", room="r9") == "not_found"
    assert refused(Control(), "phase.set", phase="ideate", room=3) == "invalid"


def test_a_new_agenda_clears_phases_that_it_drops() -> None:
    control = run(run(Control(), "phase.set", phase="map"), "phase.set", phase="ideate", room="r1")
    phases = [{"id": "ideate", "title": "Ideas", "icon": "bulb", "minutes": 15, "open": ["notes"]}]
    control = run(control, "agenda.set", phases=phases)
    assert [p.as_dict() for p in control.agenda] == phases
    assert control.room("r1").phase == "ideate"
    assert control.room("r2").phase is None


@pytest.mark.parametrize(
    "phases",
    [
        [],
        "ideate",
        [{"id": "Bad Id", "title": "x"}],
        [{"id": "a", "title": ""}],
        [{"id": "a", "title": "A"}, {"id": "a", "title": "B"}],
        [{"id": "a", "title": "A", "icon": "skull"}],
        [{"id": "a", "title": "A", "minutes": 0}],
        [{"id": "a", "title": "A", "minutes": 721}],
        [{"id": "a", "title": "A", "open": ["dance"]}],
        [{"id": f"p{i}", "title": "P"} for i in range(21)],
    ],
)
def test_a_bad_agenda_is_invalid(phases: Any) -> None:
    assert refused(Control(), "agenda.set", phases=phases) == "invalid"


def test_open_actions_keep_a_fixed_order() -> None:
    phases = [{"id": "a", "title": "A", "open": ["vote", "notes"]}]
    assert run(Control(), "agenda.set", phases=phases).agenda[0].open == ("notes", "vote")


def test_timers_for_all_rooms_or_one() -> None:
    control = run(Control(), "timer.start", now=1000.0, seconds=300)
    assert {r: control.room(r).timer.ends_at for r in ("r1", "r2")} == {"r1": 1300.0, "r2": 1300.0}
    control = run(control, "timer.pause", now=1100.0, room="r1")
    assert control.room("r1").timer.as_dict() == {
        "state": "paused", "remaining": 200.0, "duration": 300.0,
    }  # fmt: skip
    assert control.room("r2").timer.state == "running"
    # Pausing all rooms pauses the one still running and leaves the paused one.
    control = run(control, "timer.pause", now=1200.0)
    assert [control.room(r).timer.remaining for r in ("r1", "r2")] == [200.0, 100.0]
    control = run(control, "timer.add", now=1200.0, seconds=60)
    assert [control.room(r).timer.remaining for r in ("r1", "r2")] == [260.0, 160.0]
    control = run(control, "timer.resume", now=2000.0)
    assert [control.room(r).timer.ends_at for r in ("r1", "r2")] == [2260.0, 2160.0]
    control = run(control, "timer.stop", room="r2")
    assert control.room("r2").timer.as_dict() == {"state": "stopped"}
    assert refused(control, "timer.stop", room="r2") == "conflict"


@pytest.mark.parametrize(
    ("cmd", "args"),
    [
        ("timer.start", {"seconds": 0}),
        ("timer.start", {"seconds": 43201}),
        ("timer.start", {"seconds": "ten"}),
        ("timer.start", {"seconds": True}),
        ("timer.start", {"seconds": float("inf")}),
        ("timer.add", {"seconds": float("-inf")}),
        ("timer.start", {"seconds": float("nan")}),
        ("timer.start", {}),
        ("timer.add", {"seconds": 0}),
        ("room.lock", {"room": "r1", "locked": "yes"}),
        ("room.lock", {"locked": True}),
        ("room.prompt", {"room": "r1", "text": "x" * 301}),
        ("room.prompt", {"room": "r1", "text": 5}),
        ("banner.set", {"text": "x" * 201}),
        ("hug", {}),
    ],
)
def test_bad_arguments_are_invalid(cmd: str, args: dict[str, Any]) -> None:
    assert refused(Control(), cmd, **args) == "invalid"


def test_timer_steps_on_no_running_timer_are_a_conflict() -> None:
    for cmd in ("timer.pause", "timer.resume", "timer.stop"):
        assert refused(Control(), cmd) == "conflict"
    assert refused(Control(), "timer.add", seconds=60) == "conflict"


def test_locks_prompts_banner_and_spotlight() -> None:
    control = run(Control(), "room.lock", room="r2", locked=True)
    control = run(control, "room.prompt", room="r1", text="  How might we cut waiting times?  ")
    control = run(control, "banner.set", text="Back at 11:15")
    control = run(control, "spotlight.set", room="r2")
    assert control.room("r2").locked and not control.room("r1").locked
    assert control.room("r1").prompt == "How might we cut waiting times?"
    assert control.banner == "Back at 11:15"
    assert control.spotlight == "r2"
    assert run(control, "spotlight.set", room=None).spotlight is None
    assert not run(control, "room.lock", room="r2", locked=False).room("r2").locked


def test_each_change_says_what_it_did_for_the_audit_list() -> None:
    outcome = execute(Control(), WORKSHOP, "timer.start", {"seconds": 630, "room": "r2"}, 0.0)
    assert (outcome.room, outcome.detail) == ("r2", "timer 10:30 (Table 2)")
    outcome = execute(Control(), WORKSHOP, "phase.set", {"phase": "vote"}, 0.0)
    assert (outcome.room, outcome.detail) == (None, "phase: Vote")


def test_a_refused_command_changes_nothing() -> None:
    control = run(Control(), "phase.set", phase="ideate")
    before = control.to_bytes()
    refused(control, "timer.add", seconds=60)
    refused(control, "phase.set", phase="nope")
    assert control.to_bytes() == before


def test_the_stored_form_reads_back() -> None:
    control = run(Control(anonymous=False), "timer.start", seconds=90)
    control = run(run(control, "room.lock", room="r1", locked=True), "spotlight.set", room="r2")
    assert Control.from_bytes(control.to_bytes()) == control


def test_a_participant_sees_its_own_room_and_others_see_all() -> None:
    control = run(Control(), "room.prompt", room="r2", text="Why?")
    mine = view(control, WORKSHOP, room="r2", version=4)
    everyone = view(control, WORKSHOP, room=None, version=4)
    assert list(mine["rooms"]) == ["r2"]
    assert list(everyone["rooms"]) == ["r1", "r2"]
    assert mine["rooms"]["r2"] == {
        "name": "Table 2", "phase": None, "prompt": "Why?", "locked": False,
        "timer": {"state": "stopped"}, "private": False, "vote": None, "kept": [],
    }  # fmt: skip
    assert mine["workshop"] == {
        "id": "w1", "title": "Housing", "join_code": "ABC234", "anonymous": True,
        "room_capacity": 10,
    }  # fmt: skip
    assert len(mine["agenda"]) == len(DEFAULT_AGENDA)
    spotlit = run(control, "room.prompt", room="r1", text="Who helps?")
    assert view(replace(spotlit, spotlight="r1"), WORKSHOP, room="r2", version=5)["spotlight"] == {
        "room": "r1", "name": "Table 1", "prompt": "Who helps?",
    }  # fmt: skip


def test_a_vote_opens_in_every_room_or_one_with_the_defaults_of_its_mode() -> None:
    control = run(Control(), "vote.open", mode="dots", id="v")
    assert {rid: v.id for rid, v in control.votes.items()} == {"r1": "v-r1", "r2": "v-r2"}
    assert (control.votes["r1"].budget, control.votes["r1"].cap) == (3, 3)
    scale = run(Control(), "vote.open", mode="scale", id="s", room="r2")
    assert list(scale.votes) == ["r2"]
    assert (scale.votes["r2"].budget, scale.votes["r2"].cap) == (0, 5)
    money = run(Control(), "vote.open", mode="budget", id="m", budget=100, unit="£", items="groups")
    vote = money.votes["r1"]
    assert (vote.budget, vote.cap, vote.unit, vote.items) == (100, 100, "£", "groups")


def test_a_vote_goes_open_closed_revealed_and_a_new_one_may_follow() -> None:
    control = run(Control(), "vote.open", mode="dots", id="v", room="r1")
    assert refused(control, "vote.open", mode="dots", id="w") == "conflict"
    assert refused(control, "vote.reveal", room="r2") == "conflict"
    closed = run(control, "vote.close")
    assert closed.votes["r1"].state == "closed"
    assert refused(closed, "vote.close", room="r1") == "conflict"
    revealed = run(closed, "vote.reveal", room="r1")
    assert revealed.votes["r1"].state == "revealed"
    # Reveal straight from open closes it too.
    assert run(control, "vote.reveal").votes["r1"].state == "revealed"
    again = run(revealed, "vote.open", mode="scale", id="x", room="r1")
    assert (again.votes["r1"].id, again.votes["r1"].state) == ("x-r1", "open")


@pytest.mark.parametrize(
    "args",
    [
        {"mode": "raffle"},
        {"mode": "dots", "budget": 0},
        {"mode": "dots", "budget": 3, "cap": 4},
        {"mode": "dots", "budget": "3"},
        {"mode": "budget", "budget": 2_000_000},
        {"mode": "dots", "items": "people"},
        {"mode": "dots", "anonymous": "no"},
        {"mode": "dots", "unit": "x" * 13},
    ],
)
def test_bad_vote_arguments_are_invalid(args: dict[str, Any]) -> None:
    assert refused(Control(), "vote.open", id="v", **args) == "invalid"


def test_votes_read_back_and_a_state_stored_before_votes_reads_without_them() -> None:
    control = run(run(Control(), "vote.open", mode="scale", id="v", room="r2"), "vote.close")
    assert Control.from_bytes(control.to_bytes()) == control
    older = msgpack.unpackb(Control().to_bytes())
    del older["votes"]
    assert Control.from_bytes(msgpack.packb(older)).votes == {}
