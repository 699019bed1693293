"""`PlaceIndex`: the recent posts naming each place, to find reports in other words.

Contract: ``add(places, at, slot)`` records that the post in ``slot``, published at
``at`` (seconds), names ``places`` (`facts.finding_keys`: `Facts.places` keys, or
topic-and-number keys of a post naming no place); ``near(places, at)`` returns
the slots of posts within ``horizon`` seconds of ``at`` naming one of ``places``, the
`PER_PLACE` latest of each place at most, without repeats, in no particular order;
``drop_before(now)`` forgets posts more than ``horizon`` before ``now``.

Why: a retelling in another language shares no shingles and few words with its
original, so neither MinHash nor the word sketches find it; the place it names does.
A busy place (the regional capital) is named by many posts an hour, and the latest
are the ones a new report is about: the cap keeps the work per post bounded.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

PER_PLACE = 16


class PlaceIndex:
    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        self._posts: dict[str, deque[tuple[float, int]]] = {}
        self._order: deque[tuple[float, str]] = deque()

    def add(self, places: Iterable[str], at: float, slot: int) -> None:
        for place in places:
            self._posts.setdefault(place, deque()).append((at, slot))
            self._order.append((at, place))

    def near(self, places: Iterable[str], at: float) -> set[int]:
        found: set[int] = set()
        for place in places:
            posts = self._posts.get(place)
            if not posts:
                continue
            taken = 0
            for when, slot in reversed(posts):
                if when > at + self.horizon:
                    continue
                if when < at - self.horizon or taken == PER_PLACE:
                    break
                found.add(slot)
                taken += 1
        return found

    def drop_before(self, now: float) -> None:
        cutoff = now - self.horizon
        order = self._order
        while order and order[0][0] < cutoff:
            _, place = order.popleft()
            posts = self._posts[place]
            posts.popleft()
            if not posts:
                del self._posts[place]

    def __len__(self) -> int:
        return len(self._order)
