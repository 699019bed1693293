"""`BandIndex`: the LSH banding of MinHash signatures, kept compact for a 48-hour window.

Contract: the same candidates as datasketch's ``MinHashLSH`` with ``params=(bands, rows)``
— ``query`` returns every live slot whose signature equals the query's in at least one
band of ``rows`` consecutive values — up to rare extra candidates from 32-bit band-key
collisions, which callers filter anyway by confirming with the estimated Jaccard.

Why not ``MinHashLSH`` itself: its dict storage keeps a Python ``set`` per bucket and a
``bytes`` per band per key, about 10 KiB per post with 32 bands (500 MiB for a window of
50,000 posts, measured with tracemalloc; ``bench/dedup_speed.py --datasketch-lsh``).
Here a band key is one ``uint32`` and a slot one ``uint32`` in sorted numpy arrays,
searched with ``searchsorted``: 8 bytes per band (192 a post). Recent inserts wait in a
flat array, each entry linked to the previous one of its bucket (no list per bucket:
those were most of the objects a window allocates, and the garbage collector walked
them), and are merged in sorted batches; removed slots are purged in batches too, and
ignored by queries until then. A bit filter of 2 MiB over the merged keys spares a query
the search of most of its keys: a post's buckets are mostly empty.

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
_MIXERS = tuple(
    np.uint64(odd)
    for odd in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9)
)
"""Odd 64-bit multipliers, one per word of a band (MurmurHash3's, the golden ratio's and
SplitMix64's)."""
_SHIFT33 = np.uint64(33)
_PENDING = 32_768
"""Band entries waiting before a merge: a merge copies the arrays once."""
_FILTER_BITS = 24
"""A band key's high bits that number its bit in the filter: 2 MiB for 2**24 bits, of
which the speed bench's window of 50,000 posts sets one in twenty (2.1 of a post's 24
keys pass, 1.1 of them held), and twice as many at most before a purge refills it."""
_BIT_SHIFT = 32 - _FILTER_BITS
_BYTE_SHIFT = _BIT_SHIFT + 3
_REFILL_CHUNK = 1 << 17
"""Keys a filter refill reads at once: its temporaries stay near a megabyte."""


class BandIndex:
    """LSH buckets of ``bands`` bands of ``rows`` signature values each."""

    def __init__(self, bands: int, rows: int) -> None:
        if bands < 1 or rows < 1:
            raise ValueError("bands and rows must be positive")
        if rows % 2 or rows > 2 * len(_MIXERS):
            raise ValueError(f"rows must be even and at most {2 * len(_MIXERS)}")
        self.bands = bands
        self.rows = rows
        # One salt per band, so equal values in different bands make different keys.
        self._salts = np.arange(1, bands + 1, dtype=np.uint64) * _MULTIPLIER
        self._keys: npt.NDArray[np.uint32] = np.empty(0, dtype=np.uint32)
        self._slots: npt.NDArray[np.uint32] = np.empty(0, dtype=np.uint32)
        # Inserts waiting for a merge, a row of keys and a slot each, in insertion order.
        # Entry ``row * bands + band`` is a key of its own: ``_latest`` holds each waiting
        # key's last entry and ``_earlier`` each entry's previous one of its key (-1: none).
        self._waiting_keys = np.empty((-(-_PENDING // bands), bands), dtype=np.uint32)
        self._waiting_slots: list[int] = []
        self._earlier: list[int] = []
        self._latest: dict[int, int] = {}
        self._removed: set[int] = set()
        # A bit per group of keys, set for every merged key: a query searches the arrays
        # only for the keys whose bit is set. Removed keys' bits stay set (they share bits
        # with others) until a purge refills the filter, once it was marked for twice the
        # keys held.
        self._filter = bytearray(1 << (_FILTER_BITS - 3))
        self._marked = 0

    def band_keys(self, signature: Signature) -> npt.NDArray[np.uint32]:
        """The ``bands`` bucket keys of a signature."""
        # A band's values read as 64-bit words, each mixed by its own multiplier: two
        # numpy calls a word for the whole signature, where mixing value by value took
        # two a value.
        words = signature[: self.bands * self.rows].view(np.uint64).reshape(self.bands, -1)
        keys = words[:, 0] * _MIXERS[0]
        for column in range(1, words.shape[1]):
            keys ^= words[:, column] * _MIXERS[column]
        keys += self._salts
        keys ^= keys >> _SHIFT33
        # The high half XOR the low half, read as the two uint32 halves of each key (in
        # either byte order: XOR does not care which half comes first).
        halves = keys.view(np.uint32)
        folded: npt.NDArray[np.uint32] = halves[0::2] ^ halves[1::2]
        return folded

    def insert(self, slot: int, keys: npt.NDArray[np.uint32]) -> None:
        """Hold ``slot`` in the buckets of ``keys``, its `band_keys`."""
        row = len(self._waiting_slots)
        self._waiting_keys[row] = keys
        self._waiting_slots.append(slot)
        self._link(keys.tolist(), row * self.bands)
        if row + 1 == len(self._waiting_keys):
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
        bits, listed = self._filter, keys.tolist()
        # One key in twenty to ten that no merged bucket holds passes the filter: the few
        # that pass are searched for, not the post's every key.
        held = [key for key in listed if bits[key >> _BYTE_SHIFT] >> (key >> _BIT_SHIFT & 7) & 1]
        found: set[int] = set()
        merged, slots = self._keys, self._slots
        if held:
            probe = np.array(held, dtype=np.uint32)
            starts = np.searchsorted(merged, probe, side="left").tolist()
            ends = np.searchsorted(merged, probe, side="right").tolist()
            for start, end in zip(starts, ends, strict=True):
                # Equal keys keep their insertion order (stable merges), latest last.
                first = start if latest is None else max(start, end - latest)
                found.update(slots[first:end].tolist())
        if self._latest:
            last, earlier = self._latest, self._earlier
            waiting, bands = self._waiting_slots, self.bands
            for key in listed:
                entry, left = last.get(key, -1), latest
                while entry >= 0 and left != 0:
                    found.add(waiting[entry // bands])
                    entry = earlier[entry]
                    left = None if left is None else left - 1
        return sorted(found)

    def __len__(self) -> int:
        """Band entries held, live or awaiting purge (for memory accounting)."""
        return len(self._keys) + len(self._waiting_slots) * self.bands

    def _link(self, keys: list[int], entry: int) -> None:
        """Link waiting entries from ``entry`` on, each to the previous one of its key."""
        last, earlier = self._latest, self._earlier
        for key in keys:
            earlier.append(last.get(key, -1))
            last[key] = entry
            entry += 1

    def _merge(self) -> None:
        keys = self._waiting_keys[: len(self._waiting_slots)].ravel()
        # Stable: equal keys keep their insertion order, latest last.
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        slots = np.array(self._waiting_slots, dtype=np.uint32)[order // self.bands]
        # Sorted into sorted: one pass over the arrays instead of sorting them again, and
        # one mask of where the old entries go for both (np.insert builds one each).
        at = np.searchsorted(self._keys, keys, side="right") + np.arange(len(keys))
        old = np.ones(len(self._keys) + len(keys), dtype=bool)
        old[at] = False
        # One after the other: the old keys go before the new slots are made.
        self._keys = _inserted(self._keys, old, at, keys)
        self._slots = _inserted(self._slots, old, at, slots)
        self._mark(keys)
        self._waiting_slots, self._earlier = [], []
        self._latest = {}

    def _purge(self) -> None:
        dead = np.fromiter(self._removed, dtype=np.int64, count=len(self._removed))
        # A table over the dead slots' range (a window's worth): one pass, no sort.
        live = ~np.isin(self._slots, dead, kind="table")
        self._keys, self._slots = self._keys[live], self._slots[live]
        removed, waiting = self._removed, self._waiting_slots
        rows = [row for row, slot in enumerate(waiting) if slot not in removed]
        self._waiting_keys[: len(rows)] = self._waiting_keys[rows]
        self._waiting_slots = [waiting[row] for row in rows]
        self._earlier, self._latest = [], {}
        if self._marked >= 2 * len(self._keys):
            self._refill()
        self._link(self._waiting_keys[: len(rows)].ravel().tolist(), 0)
        self._removed = set()

    def _refill(self) -> None:
        np.frombuffer(self._filter, dtype=np.uint8)[:] = 0
        self._marked = 0
        for first in range(0, len(self._keys), _REFILL_CHUNK):
            self._mark(self._keys[first : first + _REFILL_CHUNK])

    def _mark(self, keys: npt.NDArray[np.uint32]) -> None:
        """Set the filter's bits of sorted ``keys``."""
        bits = np.frombuffer(self._filter, dtype=np.uint8)
        at = keys >> np.uint32(_BYTE_SHIFT)
        values = np.left_shift(1, (keys >> np.uint32(_BIT_SHIFT)) & 7, dtype=np.uint8)
        # Sorted keys give sorted bytes: each byte's bits are joined by one reduceat.
        starts = np.flatnonzero(np.diff(at, prepend=at[:1] + 1))
        bits[at[starts]] |= np.bitwise_or.reduceat(values, starts)
        self._marked += len(keys)


def _inserted(
    held: npt.NDArray[np.uint32],
    old: npt.NDArray[np.bool_],
    at: npt.NDArray[np.intp],
    new: npt.NDArray[np.uint32],
) -> npt.NDArray[np.uint32]:
    """``held`` with ``new`` put at ``at``; ``old`` marks where ``held`` goes."""
    joined = np.empty(len(old), dtype=np.uint32)
    joined[at] = new
    joined[old] = held
    return joined
