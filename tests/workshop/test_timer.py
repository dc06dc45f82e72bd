"""The countdown's arithmetic: start, pause, resume, add and stop, without sockets."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from board_server.errors import BoardError
from board_server.workshop.timer import MAX_SECONDS, STOPPED, Timer


def test_a_running_timer_counts_down_from_its_end_time() -> None:
    timer = Timer.start(600, now=1000.0)
    assert timer.as_dict() == {"state": "running", "ends_at": 1600.0, "duration": 600.0}
    assert timer.left(1000.0) == 600.0
    assert timer.left(1450.0) == 150.0
    assert not timer.ended(1599.9)
    assert timer.ended(1600.0)
    assert timer.left(2000.0) == 0.0


def test_pause_holds_the_time_left_and_resume_runs_it_from_then() -> None:
    paused = Timer.start(600, now=1000.0).pause(now=1200.0)
    assert paused.as_dict() == {"state": "paused", "remaining": 400.0, "duration": 600.0}
    # However long the pause, the time left does not change.
    assert paused.left(5000.0) == 400.0
    resumed = paused.resume(now=5000.0)
    assert resumed.as_dict() == {"state": "running", "ends_at": 5400.0, "duration": 600.0}


def test_adding_time_moves_the_end_and_the_duration() -> None:
    timer = Timer.start(300, now=0.0).add(120, now=100.0)
    assert timer.as_dict() == {"state": "running", "ends_at": 420.0, "duration": 420.0}
    paused = timer.pause(now=200.0).add(60, now=900.0)
    assert paused.as_dict() == {"state": "paused", "remaining": 280.0, "duration": 480.0}


def test_taking_away_more_time_than_is_left_ends_the_timer_now() -> None:
    timer = Timer.start(300, now=0.0).add(-1000, now=100.0)
    assert timer.ends_at == 100.0
    assert timer.ended(100.0)


def test_time_left_never_passes_twelve_hours() -> None:
    timer = Timer.start(MAX_SECONDS - 60, now=0.0).add(3600, now=0.0)
    assert timer.left(0.0) == MAX_SECONDS


def test_adding_time_to_an_ended_timer_starts_it_again_from_now() -> None:
    timer = Timer.start(60, now=0.0).add(120, now=500.0)
    assert timer.as_dict() == {"state": "running", "ends_at": 620.0, "duration": 180.0}


@pytest.mark.parametrize(
    ("timer", "step"),
    [
        (STOPPED, lambda t: t.pause(0.0)),
        (STOPPED, lambda t: t.resume(0.0)),
        (STOPPED, lambda t: t.add(60, 0.0)),
        (STOPPED, lambda t: t.stop()),
        (Timer.start(60, 0.0), lambda t: t.resume(10.0)),
        (Timer.start(60, 0.0), lambda t: t.pause(61.0)),  # already ended
        (Timer.start(60, 0.0), lambda t: t.add(-10, 61.0)),  # ended, and less
        (Timer.start(60, 0.0).pause(10.0), lambda t: t.pause(20.0)),
    ],
)
def test_a_step_that_does_not_apply_is_a_conflict(
    timer: Timer, step: Callable[[Timer], Timer]
) -> None:
    with pytest.raises(BoardError) as refused:
        step(timer)
    assert refused.value.code == "conflict"


def test_the_stored_form_reads_back() -> None:
    for timer in (STOPPED, Timer.start(90, 10.0), Timer.start(90, 10.0).pause(40.0)):
        assert Timer.from_dict(timer.as_dict()) == timer
