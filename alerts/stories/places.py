"""`PlaceIndex`: the recent posts naming each place, to find reports in other words.

Contract: ``add(places, at, slot)`` records that the post in ``slot``, published at
``at`` (seconds), names ``places`` (`facts.finding_keys`: `Facts.places` keys, or
topic-and-number keys of a post naming no place); ``near(places, at)`` returns
the slots of posts within ``horizon`` seconds of ``at`` naming one of ``places``, the
`PER_PLACE` latest of each place at most, without repeats, in no particular order;
``drop_before(now)`` forgets posts more than ``horizon`` before ``now``: no later
``near`` returns them. Posts are expected in publication order (a late one is kept).

Why: a retelling in another language shares no shingles and few words with its
original, so neither MinHash nor the word sketches find it; the place it names does.
A busy place (the regional capital) is named by many posts an hour, and the latest
are the ones a new report is about: the cap keeps the work per post bounded.
Forgotten posts are cut from their places' lists in a sweep once every `SWEEP` of
the horizon, not one by one as time passes: ``near`` stops at the first of them
anyway, and no second list of every post in time order is kept to find them by.

"The latest" means the last added: a place's posts are held in the order they came,
times and slots in two parallel lists. While a place's times never went back, they
are sorted, and its answer is one slice found by bisection; a place that took a late
post is walked from its last post back, as the order of arrival requires.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

PER_PLACE = 16
SWEEP = 1 / 8
"""How far time moves, as a share of the horizon, between two sweeps of the forgotten
posts: a window holds that much more of its posts' places, a few hundred posts'."""


class _Posts:
    """One place's posts in the order they came; ``ordered`` while their times are."""

    __slots__ = ("ordered", "slots", "times")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.slots: list[int] = []
        self.ordered = True

    def latest(self, earliest: float, latest: float) -> list[int]:
        """The `PER_PLACE` last added of the posts up to ``latest``, down to the first
        one before ``earliest``."""
        times, slots = self.times, self.slots
        if self.ordered:
            end = bisect_right(times, latest)
            return slots[bisect_left(times, earliest, max(0, end - PER_PLACE), end) : end]
        taken: list[int] = []
        for when, slot in zip(reversed(times), reversed(slots), strict=True):
            if when > latest:
                continue
            if when < earliest or len(taken) == PER_PLACE:
                break
            taken.append(slot)
        return taken

    def drop_before(self, cutoff: float) -> None:
        """Forget the posts before ``cutoff`` at the front of the list."""
        times = self.times
        if self.ordered:
            kept = bisect_left(times, cutoff)
        else:
            kept = next((at for at, when in enumerate(times) if when >= cutoff), len(times))
        del times[:kept], self.slots[:kept]
        # The late post that broke the order may be gone now.
        self.ordered = self.ordered or all(a <= b for a, b in pairwise(times))


class PlaceIndex:
    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        self._posts: dict[str, _Posts] = {}
        # Posts published before this are forgotten; the next sweep is due at `_sweep`.
        self._cutoff = -math.inf
        self._sweep = -math.inf

    def add(self, places: Iterable[str], at: float, slot: int) -> None:
        posts = self._posts
        for place in places:
            held = posts.get(place)
            if held is None:
                held = posts[place] = _Posts()
            elif at < held.times[-1]:
                held.ordered = False
            held.times.append(at)
            held.slots.append(slot)

    def near(self, places: Iterable[str], at: float) -> set[int]:
        found: set[int] = set()
        latest, earliest = at + self.horizon, max(at - self.horizon, self._cutoff)
        posts = self._posts
        for place in places:
            held = posts.get(place)
            if held is not None:
                found.update(held.latest(earliest, latest))
        return found

    def drop_before(self, now: float) -> None:
        cutoff = now - self.horizon
        if cutoff <= self._cutoff:
            return
        self._cutoff = cutoff
        if cutoff < self._sweep:
            return
        self._sweep = cutoff + self.horizon * SWEEP
        forgotten = []
        for place, held in self._posts.items():
            if held.times[0] < cutoff:
                held.drop_before(cutoff)
                if not held.times:
                    forgotten.append(place)
        for place in forgotten:
            del self._posts[place]

    def __len__(self) -> int:
        """Posts' places held, forgotten ones not yet swept among them."""
        return sum(len(held.times) for held in self._posts.values())
