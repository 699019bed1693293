"""`BandIndex`: the LSH banding of MinHash signatures, kept compact for a 48-hour window.

Contract: the same candidates as datasketch's ``MinHashLSH`` with ``params=(bands, rows)``
— ``query`` returns every live slot whose signature equals the query's in at least one
band of ``rows`` consecutive values — up to rare extra candidates from 32-bit band-key
collisions, which callers filter anyway by confirming with the estimated Jaccard.

Why not ``MinHashLSH`` itself: its dict storage keeps a Python ``set`` per bucket and a
``bytes`` per band per key, about 10 KiB per post with 32 bands (500 MiB for a window of
50,000 posts, measured with tracemalloc; ``bench/dedup_speed.py --datasketch-lsh``).
Here a band key is one ``uint32`` and a slot one ``uint32`` in sorted numpy arrays,
searched with ``searchsorted``: 8 bytes per band (192 a post). Recent inserts wait in flat
lists, each entry linked to the previous one of its bucket (no list per bucket: those
were most of the objects a window allocates, and the garbage collector walked them), and
are merged in sorted batches; removed slots are purged in batches too, and ignored by
queries until then.

Slots are integers from 0 to 2**32 - 1 chosen by the caller and never reused (a window
hands out one a post: four billion posts before the bound).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from alerts.stories.fingerprint import Signature

BandKeys = npt.NDArray[np.uint32]
"""A signature's bucket keys, one per band."""

_MULTIPLIER = np.uint64(0xFF51AFD7ED558CCD)
_SHIFT33 = np.uint64(33)
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
        self._keys: npt.NDArray[np.uint32] = np.empty(0, dtype=np.uint32)
        self._slots: npt.NDArray[np.uint32] = np.empty(0, dtype=np.uint32)
        # Entries waiting for a merge, in insertion order; ``_latest`` holds each waiting
        # key's last entry and ``_earlier`` each entry's previous one of its key (-1: none).
        self._pending_keys: list[int] = []
        self._pending_slots: list[int] = []
        self._earlier: list[int] = []
        self._latest: dict[int, int] = {}
        self._removed: set[int] = set()

    def band_keys(self, signature: Signature) -> npt.NDArray[np.uint32]:
        """The ``bands`` bucket keys of a signature."""
        values = signature[: self.bands * self.rows].astype(np.uint64).reshape(self.bands, -1)
        # In place: numpy's per-call cost, not the arithmetic, is most of it.
        keys = self._salts.copy()
        for column in range(self.rows):
            keys ^= values[:, column]
            keys *= _MULTIPLIER
        keys ^= keys >> _SHIFT33
        # The high half XOR the low half, read as the two uint32 halves of each key (in
        # either byte order: XOR does not care which half comes first).
        halves = keys.view(np.uint32)
        folded: npt.NDArray[np.uint32] = halves[0::2] ^ halves[1::2]
        return folded

    def insert(self, slot: int, keys: npt.NDArray[np.uint32]) -> None:
        self._link(keys.tolist(), [slot] * len(keys))
        if len(self._pending_keys) >= _PENDING:
            self._merge()

    def remove(self, slot: int) -> None:
        self._removed.add(slot)
        # Purging rewrites the arrays: wait until an eighth of them is dead.
        if len(self._removed) * self.bands * 8 >= max(_PENDING, len(self._keys)):
            self._purge()

    def query(self, keys: npt.NDArray[np.uint32], latest: int | None = None) -> set[int]:
        """Live slots sharing at least one band key with ``keys``; of each bucket only the
        ``latest`` slots inserted last (the highest), when given."""
        found = set(self.candidates(keys, latest))
        return found - self._removed if self._removed else found

    def candidates(self, keys: npt.NDArray[np.uint32], latest: int | None = None) -> list[int]:
        """`query`'s slots sorted and distinct, with the removed slots not yet purged among
        them: a caller that knows which slots live filters them at once."""
        # A post's buckets are mostly empty and hold a few slots otherwise: a Python loop
        # over them costs less than gathering every range at once with numpy.
        found: set[int] = set()
        merged = self._keys
        starts = np.searchsorted(merged, keys, side="left")
        # Most of a post's keys are in no bucket: the bucket's end is searched only for
        # the keys found at their start.
        held = merged.take(starts, mode="clip") == keys if len(merged) else keys < 0
        if held.any():
            starts, ends = starts[held], np.searchsorted(merged, keys[held], side="right")
            for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
                # Equal keys keep their insertion order (stable merges), latest last.
                first = start if latest is None else max(start, end - latest)
                found.update(self._slots[first:end].tolist())
        if self._latest:
            last, slots, earlier = self._latest, self._pending_slots, self._earlier
            for key in keys.tolist():
                entry, left = last.get(key, -1), latest
                while entry >= 0 and left != 0:
                    found.add(slots[entry])
                    entry = earlier[entry]
                    left = None if left is None else left - 1
        return sorted(found)

    def __len__(self) -> int:
        """Band entries held, live or awaiting purge (for memory accounting)."""
        return len(self._keys) + len(self._pending_keys)

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
        keys = np.array(self._pending_keys, dtype=np.uint32)
        slots = np.array(self._pending_slots, dtype=np.uint32)
        # Stable: equal keys keep their insertion order, latest last.
        order = np.argsort(keys, kind="stable")
        keys, slots = keys[order], slots[order]
        # Sorted into sorted: one pass over the arrays instead of sorting them again.
        places = np.searchsorted(self._keys, keys, side="right")
        self._keys = np.insert(self._keys, places, keys)
        self._slots = np.insert(self._slots, places, slots)
        self._pending_keys, self._pending_slots, self._earlier = [], [], []
        self._latest = {}

    def _purge(self) -> None:
        dead = np.fromiter(self._removed, dtype=np.int64, count=len(self._removed))
        # A table over the dead slots' range (a window's worth): one pass, no sort.
        live = ~np.isin(self._slots, dead, kind="table")
        self._keys, self._slots = self._keys[live], self._slots[live]
        removed = self._removed
        entries = zip(self._pending_keys, self._pending_slots, strict=True)
        live_entries = [(key, slot) for key, slot in entries if slot not in removed]
        self._pending_keys, self._pending_slots, self._earlier = [], [], []
        self._latest = {}
        self._link([key for key, _ in live_entries], [slot for _, slot in live_entries])
        self._removed = set()
