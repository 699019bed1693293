"""`SlotTable`: what candidate search reads of each live item, in numpy arrays by slot.

Contract: ``add(slot, row, size)`` records a live item's signature row (-1 for a text
too short to have one) and its size in shingles; ``remove(slot)`` forgets it;
``rows(slots)`` and ``sizes(slots)`` read them for an array of slots at once, and
``live(slots)`` says which of those slots are held (a slot never added, or removed, is
not). Slots are integers that grow and are never reused, as `StoryWindow` hands them
out.

Why: an LSH query returns a hundred slots or more a post, and which of them are live,
long enough and signed was a dictionary look-up each; here it is three gathers. The
arrays are a ring indexed by the slot's low bits, so they stay the window's size while
slots grow without end; the ring doubles when a new slot would land on a live one (an
item held longer than its successors, or a window growing).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Slots = npt.NDArray[np.int64]


class SlotTable:
    def __init__(self, capacity: int = 1024) -> None:
        if capacity < 1 or capacity & (capacity - 1):
            raise ValueError("capacity must be a power of two")
        self._ids: Slots = np.full(capacity, -1, dtype=np.int64)
        self._rows: npt.NDArray[np.int32] = np.full(capacity, -1, dtype=np.int32)
        self._sizes: npt.NDArray[np.int32] = np.zeros(capacity, dtype=np.int32)
        self._mask = capacity - 1

    def add(self, slot: int, row: int, size: int) -> None:
        while self._ids[slot & self._mask] >= 0:
            self._grow()
        index = slot & self._mask
        self._ids[index], self._rows[index], self._sizes[index] = slot, row, size

    def remove(self, slot: int) -> None:
        index = slot & self._mask
        if self._ids[index] == slot:
            self._ids[index] = -1

    def live(self, slots: Slots) -> npt.NDArray[np.bool_]:
        held: npt.NDArray[np.bool_] = self._ids[slots & self._mask] == slots
        return held

    def rows(self, slots: Slots) -> npt.NDArray[np.int32]:
        rows: npt.NDArray[np.int32] = self._rows[slots & self._mask]
        return rows

    def sizes(self, slots: Slots) -> npt.NDArray[np.int32]:
        sizes: npt.NDArray[np.int32] = self._sizes[slots & self._mask]
        return sizes

    def _grow(self) -> None:
        live = np.flatnonzero(self._ids >= 0)
        capacity = 2 * len(self._ids)
        ids = np.full(capacity, -1, dtype=np.int64)
        rows = np.full(capacity, -1, dtype=np.int32)
        sizes = np.zeros(capacity, dtype=np.int32)
        places = self._ids[live] & (capacity - 1)
        ids[places], rows[places], sizes[places] = (
            self._ids[live],
            self._rows[live],
            self._sizes[live],
        )
        self._ids, self._rows, self._sizes, self._mask = ids, rows, sizes, capacity - 1
