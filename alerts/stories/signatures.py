"""`SignatureStore`: MinHash signatures of a window, one row each of a single matrix;
`RecentSignatures`: what the last hours' posts are scanned by (see its docstring).

Contract: ``add`` copies a signature into a free row and returns the row; ``free``
gives the row back for reuse; ``similarity(rows, signature)`` estimates the Jaccard
similarity of ``signature`` with each of those rows (the share of equal values, as
datasketch's ``MinHash.jaccard``), all at once.

Why a matrix: a signature held as its own numpy array costs ~110 bytes of object
header on top of its 384 bytes of values (96 ``uint32``); rows of one ``uint32``
matrix cost the values only, and comparing a post with all its candidates is one
vectorized operation. The matrix grows by half when full and never shrinks (a window's
size is steady; its peak is what has to fit), in place.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    from alerts.stories.fingerprint import Signature, Sketch

    WordBits = npt.NDArray[np.intp]
    """The numbers of the bits a word sketch sets, ascending."""
    LowBytes = npt.NDArray[np.uint8]
    """The low byte of each value of a signature (`low_bytes`), what the recent store keeps."""
    Positions = npt.NDArray[np.int64]
    """Slots or signature rows, one a post."""


class SignatureStore:
    def __init__(self, num_perm: int, capacity: int = 1024) -> None:
        self._matrix: npt.NDArray[np.uint32] = np.zeros((capacity, num_perm), dtype=np.uint32)
        self._free: list[int] = []
        self._used = 0

    def add(self, signature: Signature) -> int:
        if self._free:
            row = self._free.pop()
        else:
            if self._used == len(self._matrix):
                # In place (realloc, which moves a large block's pages without copying
                # them): a copy would hold the old and the new matrix at once, and that
                # peak is the window's. No view of the matrix outlives a call.
                self._matrix.resize(
                    (len(self._matrix) * 3 // 2, self._matrix.shape[1]), refcheck=False
                )
            row = self._used
            self._used += 1
        self._matrix[row] = signature
        return row

    def free(self, row: int) -> None:
        self._free.append(row)

    def similarity(
        self, rows: list[int] | Positions, signature: Signature
    ) -> npt.NDArray[np.float64]:
        found = self._matrix.take(rows, axis=0)
        shares: npt.NDArray[np.float64] = _equal(found, signature) / len(signature)
        return shares

    def __len__(self) -> int:
        return self._used - len(self._free)


class RecentSignatures:
    """The low bytes of the signatures and the word bits of the most recent posts, in
    publication order, scanned all at once.

    Contract: ``append`` adds a post's time (seconds), slot (above every slot held),
    `SignatureStore` row, signature (whole, or its `low_bytes`, as ``scan`` takes it
    too) and word bits (`word_bits` of its sketch); ``forget(slot)`` marks a held post's
    row gone (its row may be given to another post), so no scan returns it again;
    ``drop_before`` forgets posts older than a time and returns their slots;
    ``spans(at, *reaches)`` gives, for each reach in seconds, the span of the store
    holding the posts within it of ``at`` (one look-up for all, valid until the store
    next changes); ``scan`` returns, in store order, the slots and rows of the posts of
    a span, not forgotten, whose signatures may reach a Jaccard similarity of ``floor``
    (all but the few the first pass misses, below): callers confirm with the rows'
    signatures; ``scan_words`` returns the slots of the posts
    of a span whose sketches share at least ``share`` of the bits of the sketch with
    fewer (a superset of the posts whose word sets do, up to words colliding in one bit:
    callers confirm with the sets). Posts are expected in time order (a late one is
    kept, and found by scans that reach its place in the order).

    Why: the low bars that hold for posts close in time (rewrites, updates) are below
    what LSH bands can find without flooding a 48-hour window with candidates, while the
    posts of the last few hours are few enough to compare with all at once. A first pass
    compares only the low byte of the first `PREFILTER` values (b-bit MinHash: a match
    rate of J + (1 - J) / 256), a contiguous block 12 times smaller than the signatures,
    and lets through what could reach ``floor`` with a wide margin. A second pass counts
    the equal low bytes of the other values of those posts and drops, without loss, the
    ones with fewer than ``floor`` asks of the values (a tenth of a window of posts drawn
    from one vocabulary passes the first): equal values have equal low bytes.
    """

    PREFILTER = 32
    MARGIN = 0.12
    """Below ``floor`` by this much on the first pass still goes on to the second: a
    post at the floor is lost 3 times in 100 (binomial, 32 draws)."""

    def __init__(self, num_perm: int, lanes: int, capacity: int = 1024) -> None:
        if capacity < 8 or capacity % 8:
            raise ValueError("capacity must be a positive multiple of 8")
        self._times = np.zeros(capacity, dtype=np.float64)
        self._slots = np.zeros(capacity, dtype=np.int64)
        # A post's signature row, -1 once forgotten: a scan's survivors are confirmed and
        # ranked in numpy, and only the few weighed become Python objects.
        self._rows = np.zeros(capacity, dtype=np.int64)
        # Low bytes of the first values, value-major: the first pass adds `PREFILTER`
        # contiguous rows of matches; and of the other values, a row a post, for the second.
        self._bytes: npt.NDArray[np.uint8] = np.zeros((self.PREFILTER, capacity), dtype=np.uint8)
        self._rest: npt.NDArray[np.uint8] = np.zeros(
            (capacity, num_perm - self.PREFILTER), dtype=np.uint8
        )
        # Bit-major, a bit a post: a sketch sets a few dozen of its bits, and counting the
        # shared ones adds up only those rows of the span (``_words[bit]``, the posts
        # with that bit, in store order, 8 to a byte, first post in the highest bit).
        # Positions from the tail on hold no bits.
        self._words: npt.NDArray[np.uint8] = np.zeros((lanes * 64, capacity // 8), np.uint8)
        self._bits: npt.NDArray[np.int64] = np.zeros(capacity, dtype=np.int64)
        self._bars: dict[float, npt.NDArray[np.int64]] = {}
        self._head = 0
        self._tail = 0
        # Positions from the head on whose row is gone: most windows have none to skip.
        self._forgotten = 0

    def __len__(self) -> int:
        return self._tail - self._head

    def append(
        self, at: float, slot: int, row: int, signature: Signature | LowBytes, words: WordBits
    ) -> None:
        if self._tail == len(self._times):
            self._make_room()
        tail = self._tail
        self._times[tail] = at
        self._slots[tail] = slot
        self._rows[tail] = row
        low = signature.astype(np.uint8, copy=False)  # the low bytes
        self._bytes[:, tail] = low[: self.PREFILTER]
        self._rest[tail] = low[self.PREFILTER :]
        self._words[words, tail >> 3] |= 0x80 >> (tail & 7)
        self._bits[tail] = len(words)
        self._tail += 1

    def forget(self, slot: int) -> None:
        if self._head == self._tail or slot < self._slots[self._head]:
            return  # as for most posts: long out of the store
        # Slots are appended in increasing order, so a search finds a post's position.
        place = self._head + int(np.searchsorted(self._slots[self._head : self._tail], slot))
        if place < self._tail and self._slots[place] == slot and self._rows[place] >= 0:
            self._rows[place] = -1
            self._forgotten += 1

    def drop_before(self, at: float) -> list[int]:
        if self._head == self._tail or self._times[self._head] >= at:
            return []  # as for most posts: the oldest is still recent
        live = self._times[self._head : self._tail]
        count = int(np.searchsorted(live, at, side="left"))
        dropped: list[int] = self._slots[self._head : self._head + count].tolist()
        if self._forgotten:
            gone = self._rows[self._head : self._head + count] < 0
            self._forgotten -= int(np.count_nonzero(gone))
        self._head += count
        return dropped

    def spans(self, at: float, *reaches: float) -> list[tuple[int, int]]:
        # Ends as starts of what lies past them, so one search (a call costs more than
        # the search) finds both sides of every reach: a time is at most ``at + reach``
        # exactly when it is below the next float up.
        bounds = [at - reach for reach in reaches]
        bounds += [math.nextafter(at + reach, math.inf) for reach in reaches]
        found = np.searchsorted(self._times[self._head : self._tail], bounds).tolist()
        head, count = self._head, len(reaches)
        return [(head + found[index], head + found[count + index]) for index in range(count)]

    def scan(
        self, span: tuple[int, int], signature: Signature | LowBytes, floor: float
    ) -> tuple[Positions, Positions]:
        start, end = span
        low = signature.astype(np.uint8, copy=False)
        first = self.PREFILTER
        # Counts are integers: compared with the bars rounded up, in their own type (a
        # float bar would cast every count).
        rough_least = max(0, math.ceil((floor - self.MARGIN) * first))
        # Booleans read as bytes: summed without a cast, into 8 bits (PREFILTER < 256).
        equal = (self._bytes[:, start:end] == low[:first, None]).view(np.uint8)
        rough = equal.sum(axis=0, dtype=np.uint8)
        (near,) = (rough >= rough_least).nonzero()
        if len(near) == 0:
            return near, near  # none
        # The second pass counts the bytes the first did not.
        first_counts = rough[near]
        near += start
        # Into the second pass's counts, which are wide enough for every value's.
        counts = _equal_bytes(self._rest.take(near, axis=0), low[first:])
        counts += first_counts
        kept = near[counts >= math.ceil(floor * len(low))]
        rows = self._rows.take(kept)
        if self._forgotten:
            live = rows >= 0
            kept, rows = kept[live], rows[live]
        return self._slots.take(kept), rows

    def scan_words(self, span: tuple[int, int], words: WordBits, share: float) -> list[int]:
        start, end = span
        if end == start or len(words) == 0:
            return []  # a post without words shares none
        first = start >> 3
        rows = np.unpackbits(self._words[words, first : (end + 7) >> 3], axis=1)
        shared = rows.sum(axis=0, dtype=np.uint8 if len(words) < 256 else np.uint16)
        shared = shared[start - (first << 3) : end - (first << 3)]
        # The bar of each count of bits, rounded up: integers compared in one look-up
        # (a float bar a post would cast every count).
        bars = self._bars.get(share)
        if bars is None:
            bars = self._bars[share] = _bars(share, len(self._words))
        fewer = np.minimum(self._bits[start:end], len(words))
        (near,) = (shared >= bars.take(fewer)).nonzero()
        slots: list[int] = self._slots[near + start].tolist()
        return slots

    def _make_room(self) -> None:
        # Moved by whole bytes of the word bits: up to 7 posts before the head stay.
        shift = self._head & ~7
        head, tail, live = self._head - shift, self._tail - shift, self._tail - shift
        old, bytes_ = slice(shift, self._tail), slice(shift >> 3, (self._tail + 7) >> 3)
        moved = bytes_.stop - bytes_.start
        if live <= len(self._times) * 7 // 8:
            # Moved to the front in place, an array at a time: a copy of the store would
            # be held beside it, and a few hours of posts are most of it. An eighth of
            # room at least is left, so a post moves seven rows at most on average.
            self._times[:live], self._slots[:live] = self._times[old], self._slots[old]
            self._rows[:live] = self._rows[old]
            self._bytes[:, :live], self._rest[:live] = self._bytes[:, old], self._rest[old]
            self._bits[:live] = self._bits[old]
            self._words[:, :moved] = self._words[:, bytes_]
            self._words[:, moved:] = 0
            self._head, self._tail = head, tail
            return
        capacity = 2 * len(self._times)
        times = np.zeros(capacity, dtype=np.float64)
        slots = np.zeros(capacity, dtype=np.int64)
        rows = np.zeros(capacity, dtype=np.int64)
        low = np.zeros((self.PREFILTER, capacity), dtype=np.uint8)
        rest = np.zeros((capacity, self._rest.shape[1]), dtype=np.uint8)
        words = np.zeros((len(self._words), capacity // 8), dtype=np.uint8)
        bits = np.zeros(capacity, dtype=np.int64)
        times[:live], slots[:live] = self._times[old], self._slots[old]
        rows[:live] = self._rows[old]
        low[:, :live], rest[:live] = self._bytes[:, old], self._rest[old]
        words[:, :moved], bits[:live] = self._words[:, bytes_], self._bits[old]
        self._times, self._slots, self._bytes, self._rest = times, slots, low, rest
        self._words, self._bits, self._rows = words, bits, rows
        self._head, self._tail = head, tail


def _bars(share: float, bits: int) -> npt.NDArray[np.int64]:
    """For each count of bits up to ``bits``, the least count of shared bits reaching
    ``share`` of it (``ceil(share * count)``, as a float bar compares); none for 0."""
    bars: npt.NDArray[np.int64] = np.ceil(share * np.arange(bits + 1)).astype(np.int64)
    bars[0] = bits + 1  # no bits: nothing is shared, whatever the bar
    return bars


def low_bytes(signature: Signature) -> LowBytes:
    """The low byte of each value: what `RecentSignatures` compares, read once per post
    for its scan and its append."""
    low: LowBytes = signature.astype(np.uint8)
    return low


def word_bits(sketch: Sketch) -> WordBits:
    """The numbers of a sketch's set bits (bit ``b`` is bit ``b % 8`` of byte ``b // 8``):
    `Fingerprint.sketch_bits` when the sketch is ``sketch(clues.words)``."""
    bits: WordBits = np.flatnonzero(np.unpackbits(sketch.view(np.uint8), bitorder="little"))
    return bits


def _equal(
    rows: npt.NDArray[np.uint32] | npt.NDArray[np.uint8], values: Signature | npt.NDArray[np.uint8]
) -> npt.NDArray[np.uint16]:
    """How many of each row's values equal ``values``'."""
    # A sum of booleans into 16 bits, a third cheaper than count_nonzero along an axis
    # (which sums them into 64); signatures have fewer than 65,536 values.
    counts: npt.NDArray[np.uint16] = (rows == values).sum(axis=1, dtype=np.uint16)
    return counts


def _equal_bytes(
    rows: npt.NDArray[np.uint8], values: npt.NDArray[np.uint8]
) -> npt.NDArray[np.uint8] | npt.NDArray[np.uint16]:
    """How many of each row's bytes equal ``values``'."""
    # A sum along short rows costs numpy a loop a row; packed 8 to a byte, a row of 64
    # booleans is one uint64, whose set bits are counted at once (a fifth faster here).
    if rows.shape[1] != 64:
        return _equal(rows, values)
    packed = np.packbits(rows == values, axis=1)
    counts: npt.NDArray[np.uint8] = np.bitwise_count(packed.view(np.uint64))[:, 0]
    return counts
