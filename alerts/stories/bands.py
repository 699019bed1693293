"""`BandIndex`: the LSH banding of MinHash signatures, kept compact for a 48-hour window.

Contract: the same candidates as datasketch's ``MinHashLSH`` with ``params=(bands, rows)``
— ``query`` returns every live slot whose signature equals the query's in at least one
band of ``rows`` consecutive values — up to rare extra candidates from 32-bit band-key
collisions, which callers filter anyway by confirming with the estimated Jaccard.

Why not ``MinHashLSH`` itself: its dict storage keeps a Python ``set`` per bucket and a
``bytes`` per band per key, about 10 KiB per post with 32 bands (500 MiB for a window of
50,000 posts, measured with tracemalloc; ``bench/dedup_speed.py --datasketch-lsh``).
Here a band key is one ``uint32`` and a slot one ``uint32`` in sorted numpy arrays,
searched with ``searchsorted``: 8 bytes per band (192 a post). Recent inserts wait in a small dict
and are merged in sorted batches; removed slots are purged in batches too, and ignored
by queries until then.

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
_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
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
        self._pending: dict[int, list[int]] = {}
        # The same entries in insertion order, flat: a merge reads them in one call each.
        self._pending_keys: list[int] = []
        self._pending_slots: list[int] = []
        self._removed: set[int] = set()

    def band_keys(self, signature: Signature) -> npt.NDArray[np.uint32]:
        """The ``bands`` bucket keys of a signature."""
        values = signature[: self.bands * self.rows].astype(np.uint64).reshape(self.bands, -1)
        keys = self._salts.copy()
        for column in range(self.rows):
            keys = (keys ^ values[:, column]) * _MULTIPLIER
        keys ^= keys >> _SHIFT33
        folded: npt.NDArray[np.uint32] = ((keys >> _SHIFT32) ^ (keys & _LOW32)).astype(np.uint32)
        return folded

    def insert(self, slot: int, keys: npt.NDArray[np.uint32]) -> None:
        pending = self._pending
        listed = keys.tolist()
        for key in listed:
            bucket = pending.get(key)
            if bucket is None:
                pending[key] = [slot]
            else:
                bucket.append(slot)
        self._pending_keys.extend(listed)
        self._pending_slots.extend([slot] * len(listed))
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
        found = set(self.candidates(keys, latest).tolist())
        return found - self._removed if self._removed else found

    def candidates(
        self, keys: npt.NDArray[np.uint32], latest: int | None = None
    ) -> npt.NDArray[np.int64]:
        """`query`'s slots sorted and distinct, as an array, and with the removed slots not
        yet purged among them: a caller that knows which slots live filters them at once."""
        starts = np.searchsorted(self._keys, keys, side="left")
        ends = np.searchsorted(self._keys, keys, side="right")
        if latest is not None:
            # Equal keys keep their insertion order (stable merges), latest last.
            starts = np.maximum(starts, ends - latest)
        counts = ends - starts
        total = int(counts.sum())
        # Every bucket's range at once: each position's offset from its bucket's start.
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        parts = [self._slots[np.repeat(starts, counts) + offsets]]
        pending = self._pending
        for key in keys.tolist():
            bucket = pending.get(key)
            if bucket is not None:
                parts.append(np.array(bucket if latest is None else bucket[-latest:], np.uint32))
        found: npt.NDArray[np.int64] = np.unique(np.concatenate(parts)).astype(np.int64)
        return found

    def __len__(self) -> int:
        """Band entries held, live or awaiting purge (for memory accounting)."""
        return len(self._keys) + len(self._pending_keys)

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
        self._pending = {}
        self._pending_keys, self._pending_slots = [], []

    def _purge(self) -> None:
        dead = np.fromiter(self._removed, dtype=np.int64, count=len(self._removed))
        # A table over the dead slots' range (a window's worth): one pass, no sort.
        live = ~np.isin(self._slots, dead, kind="table")
        self._keys, self._slots = self._keys[live], self._slots[live]
        removed = self._removed
        for key in list(self._pending):
            kept = [slot for slot in self._pending[key] if slot not in removed]
            if kept:
                self._pending[key] = kept
            else:
                del self._pending[key]
        entries = zip(self._pending_keys, self._pending_slots, strict=True)
        live_entries = [(key, slot) for key, slot in entries if slot not in removed]
        self._pending_keys = [key for key, _ in live_entries]
        self._pending_slots = [slot for _, slot in live_entries]
        self._removed = set()
