"""The even shuffle and the facilitator's list of people."""

from __future__ import annotations

import random
from collections import Counter

from board_server.model import Participant, RoomInfo, Workshop
from board_server.workshop.breakouts import people_list, shuffle_plan

ROOMS = [f"r{i}" for i in range(1, 9)]


def people(count: int) -> list[Participant]:
    return [Participant(f"p{i:02d}", "w", ROOMS[0], f"Person {i}", float(i)) for i in range(count)]


def test_65_people_into_8_rooms_differ_by_at_most_one() -> None:
    plan = shuffle_plan(people(65), ROOMS, random.Random(7))
    sizes = Counter(plan.values())
    assert sorted(sizes.values()) == [8, 8, 8, 8, 8, 8, 8, 9]
    assert set(sizes) == set(ROOMS)
    assert len(plan) == 65


def test_every_size_of_hall_spreads_evenly() -> None:
    rng = random.Random(1)
    for count in range(0, 70):
        for rooms in (1, 2, 3, 8):
            sizes = Counter(shuffle_plan(people(count), ROOMS[:rooms], rng).values())
            if count:
                assert max(sizes.values()) - min(sizes.get(r, 0) for r in ROOMS[:rooms]) <= 1


def test_the_shuffle_mixes_people() -> None:
    first = shuffle_plan(people(40), ROOMS, random.Random(1))
    second = shuffle_plan(people(40), ROOMS, random.Random(2))
    assert first != second


def test_people_are_listed_by_room_order_then_name_with_who_is_online() -> None:
    workshop = Workshop("w", "T", "CODE", 0.0, (RoomInfo("r2", "B"), RoomInfo("r1", "A")))
    seated = [
        Participant("a", "w", "r1", "zoe", 1.0),
        Participant("b", "w", "r2", "Yan", 2.0),
        Participant("c", "w", "r1", "Adam", 3.0),
    ]
    assert people_list(workshop, seated, {"c"}) == [
        {"id": "b", "name": "Yan", "room": "r2", "online": False},
        {"id": "c", "name": "Adam", "room": "r1", "online": True},
        {"id": "a", "name": "zoe", "room": "r1", "online": False},
    ]
