"""PlaceIndex: the latest posts naming a place within the horizon, late posts included;
forgotten posts never come back."""

from __future__ import annotations

from alerts.stories.places import PER_PLACE, PlaceIndex

HOUR = 3600.0
KURSK, BELGOROD = "kursk:rlsk", "belgorod:blg"


def test_a_busy_place_gives_only_its_latest_posts() -> None:
    index = PlaceIndex(horizon=6 * HOUR)
    for slot in range(40):
        index.add([KURSK], 60.0 * slot, slot)
    assert index.near([KURSK], 40 * 60.0) == set(range(40 - PER_PLACE, 40))


def test_posts_past_the_horizon_on_either_side_are_not_near() -> None:
    index = PlaceIndex(horizon=HOUR)
    for slot, at in enumerate([0.0, 1800.0, 3600.0, 7200.0, 9000.0]):
        index.add([KURSK, BELGOROD] if slot % 2 else [KURSK], at, slot)
    # An hour either side of 1:00, both edges included.
    assert index.near([KURSK], HOUR) == {0, 1, 2, 3}
    assert index.near([BELGOROD], HOUR) == {1, 3}
    assert index.near(["kharkiv:khr"], HOUR) == set()


def test_a_late_post_is_found_and_counts_among_the_latest_as_it_came() -> None:
    index = PlaceIndex(horizon=6 * HOUR)
    for slot in range(PER_PLACE):
        index.add([KURSK], HOUR + 60.0 * slot, slot)
    # Published before every post held, seen after them: the latest seen.
    index.add([KURSK], 0.0, PER_PLACE)
    assert index.near([KURSK], 2 * HOUR) == set(range(1, PER_PLACE + 1))
    # Past the late one, the place answers as before.
    index.add([KURSK], 2 * HOUR, PER_PLACE + 1)
    assert index.near([KURSK], 2 * HOUR) == set(range(2, PER_PLACE + 2))


def test_forgotten_posts_never_come_back_before_or_after_a_sweep() -> None:
    index = PlaceIndex(horizon=HOUR)
    for slot in range(10):
        index.add([KURSK, BELGOROD] if slot < 5 else [KURSK], 600.0 * slot, slot)
    index.drop_before(HOUR + 900.0)
    assert index.near([KURSK], 900.0) == {2, 3, 4, 5, 6, 7}
    assert len(index) == 11
    # The next sweep is due an eighth of the hour on: till then the post at 0:20 is
    # forgotten but still held.
    index.drop_before(HOUR + 1300.0)
    assert index.near([KURSK], 1300.0) == {3, 4, 5, 6, 7, 8}
    assert len(index) == 11
    index.drop_before(HOUR + 3000.0)
    assert index.near([KURSK], 3000.0) == {5, 6, 7, 8, 9}
    assert index.near([BELGOROD], 3000.0) == set()
    assert len(index) == 5
