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
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

PER_PLACE = 16
SWEEP = 1 / 8
"""How far time moves, as a share of the horizon, between two sweeps of the forgotten
posts: a window holds that much more of its posts' places, a few hundred posts'."""


class PlaceIndex:
    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        self._posts: dict[str, deque[tuple[float, int]]] = {}
        # Posts published before this are forgotten; the next sweep is due at `_sweep`.
        self._cutoff = -math.inf
        self._sweep = -math.inf

    def add(self, places: Iterable[str], at: float, slot: int) -> None:
        posts = self._posts
        for place in places:
            held = posts.get(place)
            if held is None:
                held = posts[place] = deque()
            held.append((at, slot))

    def near(self, places: Iterable[str], at: float) -> set[int]:
        found: set[int] = set()
        latest, earliest = at + self.horizon, max(at - self.horizon, self._cutoff)
        for place in places:
            posts = self._posts.get(place)
            if not posts:
                continue
            taken = 0
            for when, slot in reversed(posts):
                if when > latest:
                    continue
                if when < earliest or taken == PER_PLACE:
                    break
                found.add(slot)
                taken += 1
        return found

    def drop_before(self, now: float) -> None:
        cutoff = now - self.horizon
        if cutoff <= self._cutoff:
            return
        self._cutoff = cutoff
        if cutoff < self._sweep:
            return
        self._sweep = cutoff + self.horizon * SWEEP
        for place, posts in list(self._posts.items()):
            while posts and posts[0][0] < cutoff:
                posts.popleft()
            if not posts:
                del self._posts[place]

    def __len__(self) -> int:
        """Posts' places held, forgotten ones not yet swept among them."""
        return sum(map(len, self._posts.values()))
