"""`BandIndex`: the LSH banding of MinHash signatures, kept compact for a 48-hour window.

Contract: the same candidates as datasketch's ``MinHashLSH`` with ``params=(bands, rows)``
— ``query`` returns every live slot whose signature equals the query's in at least one
band of ``rows`` consecutive values — up to rare extra candidates from 32-bit band-key
collisions, which callers filter anyway by confirming with the estimated Jaccard.

Why not ``MinHashLSH`` itself: its dict storage keeps a Python ``set`` per bucket and a
``bytes`` per band per key, about 10 KiB per post with 32 bands (500 MiB for a window of
50,000 posts, measured with tracemalloc; ``bench/dedup_speed.py --datasketch-lsh``).
Here an entry is one ``uint64``, its band key in the high half and its slot in the low
half, in one sorted numpy array searched with ``searchsorted``: 8 bytes per band (192 a
post), and a bucket's slots in insertion order. Recent inserts wait in flat
lists, each entry linked to the previous one of its bucket (no list per bucket: those
were most of the objects a window allocates, and the garbage collector walked them), and
are merged in sorted batches; removed slots are purged in batches too, and ignored by
queries until then.

Slots are integers from 0 to 2**32 - 1 chosen by the caller, inserted in increasing order
and never reused (a window hands out one a post: four billion posts before the bound).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from alerts.stories.fingerprint import Signature

BandKeys = npt.NDArray[np.uint64]
"""A signature's bucket keys, one per band, each a 32-bit key in the high half (the low
half of an entry holds its slot)."""

_MULTIPLIER = np.uint64(0xFF51AFD7ED558CCD)
_SHIFT33 = np.uint64(33)
_HALF = np.uint64(32)
_HIGH = np.uint64(0xFFFFFFFF00000000)
_SLOT = 0xFFFFFFFF
"""The low half of an entry: its slot."""
_LOW_HALF = 0 if sys.byteorder == "little" else 1
"""Where an entry's low half is among the two ``uint32`` it reads as."""
_PENDING = 32_768
"""Band entries waiting in the dict before a merge: a merge copies the arrays once."""


class BandIndex:
    """LSH buckets of ``bands`` bands of ``rows`` signature values each."""

    def __init__(self, bands: int, rows: int) -> None:
        if bands < 1 or rows < 1:
            raise ValueError("bands and rows must be positive")
        self.bands = bands
        self.rows = rows
        # One salt per band, so equal values in different bands make different keys.
        self._salts = np.arange(1, bands + 1, dtype=np.uint64) * _MULTIPLIER
        # Key << 32 | slot, sorted: a bucket is a run, its slots ascending, latest last.
        self._entries: npt.NDArray[np.uint64] = np.empty(0, dtype=np.uint64)
        self._entry_slots = _slots(self._entries)
        # Entries waiting for a merge, in insertion order; ``_latest`` holds each waiting
        # key's last entry and ``_earlier`` each entry's previous one of its key (-1: none).
        self._pending_keys: list[int] = []
        self._pending_slots: list[int] = []
        self._earlier: list[int] = []
        self._latest: dict[int, int] = {}
        self._removed: set[int] = set()

    def band_keys(self, signature: Signature) -> BandKeys:
        """The ``bands`` bucket keys of a signature."""
        values = signature[: self.bands * self.rows].astype(np.uint64).reshape(self.bands, -1)
        # In place: numpy's per-call cost, not the arithmetic, is most of it.
        keys = self._salts.copy()
        for column in range(self.rows):
            keys ^= values[:, column]
            keys *= _MULTIPLIER
        keys ^= keys >> _SHIFT33
        # The high half XOR the low half, kept in the high half.
        keys ^= keys << _HALF
        keys &= _HIGH
        return keys

    def insert(self, slot: int, keys: BandKeys) -> None:
        self._link(keys.tolist(), [slot] * len(keys))
        if len(self._pending_keys) >= _PENDING:
            self._merge()

    def remove(self, slot: int) -> None:
        self._removed.add(slot)
        # Purging rewrites the arrays: wait until an eighth of them is dead.
        if len(self._removed) * self.bands * 8 >= max(_PENDING, len(self._entries)):
            self._purge()

    def query(self, keys: BandKeys, latest: int | None = None) -> set[int]:
        """Live slots sharing at least one band key with ``keys``; of each bucket only the
        ``latest`` slots inserted last (the highest), when given."""
        found = set(self.candidates(keys, latest))
        return found - self._removed if self._removed else found

    def candidates(self, keys: BandKeys, latest: int | None = None) -> list[int]:
        """`query`'s slots sorted and distinct, with the removed slots not yet purged among
        them: a caller that knows which slots live filters them at once."""
        # A post's buckets are mostly empty and hold a few slots otherwise: a Python loop
        # over them costs less than gathering every range at once with numpy.
        found: set[int] = set()
        merged, slots = self._entries, self._entry_slots
        starts = np.searchsorted(merged, keys, side="left")
        # Most of a post's keys are in no bucket: the bucket's end is searched only for
        # the keys found at their start (at the array's end, clipped, the bucket is empty).
        ends = keys | _SLOT
        held = merged.take(starts, mode="clip") <= ends if len(merged) else ends < keys
        if held.any():
            starts, ends = starts[held], np.searchsorted(merged, ends[held], side="right")
            for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
                first = start if latest is None else max(start, end - latest)
                found.update(slots[first:end].tolist())
        if self._latest:
            last, waiting, earlier = self._latest, self._pending_slots, self._earlier
            for key in keys.tolist():
                entry, left = last.get(key, -1), latest
                while entry >= 0 and left != 0:
                    found.add(waiting[entry])
                    entry = earlier[entry]
                    left = None if left is None else left - 1
        return sorted(found)

    def __len__(self) -> int:
        """Band entries held, live or awaiting purge (for memory accounting)."""
        return len(self._entries) + len(self._pending_keys)

    def _link(self, keys: list[int], slots: list[int]) -> None:
        """Append waiting entries, each linked to the previous one of its key."""
        last, earlier = self._latest, self._earlier
        entry = len(self._pending_keys)
        for key in keys:
            earlier.append(last.get(key, -1))
            last[key] = entry
            entry += 1
        self._pending_keys.extend(keys)
        self._pending_slots.extend(slots)

    def _merge(self) -> None:
        keys = np.array(self._pending_keys, dtype=np.uint64)
        keys |= np.array(self._pending_slots, dtype=np.uint64)
        # Two sorted runs, which a stable sort (timsort) merges in one pass: half the time
        # of inserting the waiting entries at their places.
        entries = np.concatenate((self._entries, np.sort(keys)))
        entries.sort(kind="stable")
        self._entries, self._entry_slots = entries, _slots(entries)
        self._pending_keys, self._pending_slots, self._earlier = [], [], []
        self._latest = {}

    def _purge(self) -> None:
        dead = np.fromiter(self._removed, dtype=np.int64, count=len(self._removed))
        # A table over the dead slots' range (a window's worth): one pass, no sort.
        live = ~np.isin(self._entry_slots, dead, kind="table")
        self._entries = self._entries[live]
        self._entry_slots = _slots(self._entries)
        removed = self._removed
        entries = zip(self._pending_keys, self._pending_slots, strict=True)
        live_entries = [(key, slot) for key, slot in entries if slot not in removed]
        self._pending_keys, self._pending_slots, self._earlier = [], [], []
        self._latest = {}
        self._link([key for key, _ in live_entries], [slot for _, slot in live_entries])
        self._removed = set()


def _slots(entries: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint32]:
    """The slots of sorted entries, a view of their low halves."""
    slots: npt.NDArray[np.uint32] = entries.view(np.uint32)[_LOW_HALF::2]
    return slots
