"""BandIndex finds what datasketch's MinHashLSH finds; signature stores compare right."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped]

from alerts.stories.bands import BandIndex
from alerts.stories.fingerprint import SKETCH_BITS, sketch, sketch_bits
from alerts.stories.signatures import RecentSignatures, SignatureStore, word_bits

BANDS, ROWS, PERM = 32, 4, 128
LANES = SKETCH_BITS // 64
NO_WORDS = word_bits(sketch(()))
ROW = 1000
"""Added to a post's slot for its signature row in the recent store's tests."""


def _signatures(count: int, seed: int = 3) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2**32, (count, PERM), dtype=np.uint32)
    # Every third signature is a near copy of the one before: shared bands exist.
    for number in range(1, count, 3):
        base[number, : PERM // 2] = base[number - 1, : PERM // 2]
    return list(base)


def test_band_index_finds_what_minhash_lsh_finds() -> None:
    signatures = _signatures(3000)
    index = BandIndex(BANDS, ROWS)
    lsh = MinHashLSH(num_perm=PERM, params=(BANDS, ROWS))
    for slot, signature in enumerate(signatures):
        index.insert(slot, index.band_keys(signature))
        lsh.insert(slot, MinHash(hashvalues=signature, scheme="affine32"))
    for slot in range(0, 3000, 7):
        query = signatures[slot]
        expected = set(lsh.query(MinHash(hashvalues=query, scheme="affine32")))
        found = index.query(index.band_keys(query))
        # Extra candidates can only come from 32-bit band-key collisions: rare.
        assert expected <= found
        assert len(found - expected) <= 1


def test_removed_slots_are_never_found_before_or_after_a_purge() -> None:
    signatures = _signatures(6000)
    index = BandIndex(BANDS, ROWS)
    for slot, signature in enumerate(signatures):
        index.insert(slot, index.band_keys(signature))
    for slot in range(0, 6000, 2):
        index.remove(slot)
    for slot in range(1, 6000, 98):
        found = index.query(index.band_keys(signatures[slot]))
        assert slot in found
        assert not any(other % 2 == 0 for other in found)
    assert len(index) < 6000 * BANDS
    # What comes after the purges is found, waiting or merged.
    later = _signatures(2000, seed=5)
    for slot, signature in enumerate(later, start=6000):
        index.insert(slot, index.band_keys(signature))
    for slot in range(6000, 8000, 37):
        assert slot in index.query(index.band_keys(later[slot - 6000]))


def test_a_bucket_gives_its_latest_slots_before_and_after_a_merge() -> None:
    # A template repeated all day fills one bucket: a query weighs only its latest posts.
    repeated = _signatures(1)[0]
    index = BandIndex(BANDS, ROWS)
    for slot in range(40):
        index.insert(slot, index.band_keys(repeated))
    assert index.query(index.band_keys(repeated), latest=8) == set(range(32, 40))
    # 1,024 posts of 32 bands fill the waiting dict: the first 1,024 are merged.
    for slot in range(40, 1030):
        index.insert(slot, index.band_keys(repeated))
    # Merged and waiting entries each give their latest.
    assert index.query(index.band_keys(repeated), latest=3) == {1021, 1022, 1023, 1027, 1028, 1029}
    assert len(index.query(index.band_keys(repeated))) == 1030


def test_signature_store_estimates_jaccard_and_reuses_rows() -> None:
    store = SignatureStore(PERM, capacity=2)
    first = np.arange(PERM, dtype=np.uint32)
    second = first.copy()
    second[: PERM // 4] += 1
    rows = [store.add(first), store.add(second), store.add(first)]
    assert store.similarity(rows, first).tolist() == [1.0, 0.75, 1.0]
    store.free(rows[1])
    assert store.add(second) == rows[1]
    assert len(store) == 3


def test_recent_signatures_scan_the_time_span_and_drop_the_old() -> None:
    recent = RecentSignatures(PERM, LANES, capacity=8)
    signature = np.arange(PERM, dtype=np.uint32)
    other = signature + 1
    for minute in range(10):
        values = signature if minute % 2 else other
        recent.append(minute * 60.0, minute, ROW + minute, values, NO_WORDS)
    (span,) = recent.spans(9 * 60.0, 3 * 60.0)
    assert _slots(recent.scan(span, signature, floor=0.5)) == [7, 9]
    assert recent.drop_before(5 * 60.0) == [0, 1, 2, 3, 4]
    assert len(recent) == 5
    assert _slots(recent.scan(recent.spans(0.0, 60.0)[0], signature, floor=0.5)) == []


# 96 permutations leave 64 values to the second pass, which counts them packed in a word.
@pytest.mark.parametrize("perm", [96, PERM])
def test_recent_scan_lets_through_what_may_reach_the_floor(perm: int) -> None:
    recent = RecentSignatures(perm, LANES, capacity=8)
    signature = np.arange(perm, dtype=np.uint32)
    # Equal low bytes, other values: only the signatures can tell (callers confirm).
    alike_bytes = signature + 256
    # A third of the values equal, the first ones: the first pass lets it through, the
    # second finds too few equal bytes for a floor of a half.
    third = signature + 1
    third[: perm // 3] = signature[: perm // 3]
    for minute, values in enumerate((alike_bytes, third, signature)):
        recent.append(minute * 60.0, minute, ROW + minute, values, NO_WORDS)
    (span,) = recent.spans(60.0, 60.0)
    assert _slots(recent.scan(span, signature, floor=0.5)) == [0, 2]
    assert _slots(recent.scan(span, signature, floor=0.3)) == [0, 1, 2]


def test_recent_spans_hold_the_posts_at_either_edge_of_each_reach() -> None:
    recent = RecentSignatures(PERM, LANES, capacity=8)
    signature = np.arange(PERM, dtype=np.uint32)
    for minute in range(10):
        recent.append(minute * 60.0, minute, ROW + minute, signature, NO_WORDS)
    # Within 3 minutes of minute 4: minutes 1 to 7, both edges in; within 1: 3 to 5.
    wide, narrow = recent.spans(4 * 60.0, 3 * 60.0, 60.0)
    assert _slots(recent.scan(wide, signature, floor=1.0)) == [1, 2, 3, 4, 5, 6, 7]
    assert _slots(recent.scan(narrow, signature, floor=1.0)) == [3, 4, 5]
    assert recent.drop_before(2 * 60.0) == [0, 1]
    (wide,) = recent.spans(4 * 60.0, 3 * 60.0)
    assert _slots(recent.scan(wide, signature, floor=1.0)) == [2, 3, 4, 5, 6, 7]


def test_recent_scan_gives_each_posts_row_and_never_a_forgotten_post() -> None:
    # A forgotten post's row goes back to the signature store for another post: a scan
    # that returned it would confirm the old slot with the new post's signature.
    recent = RecentSignatures(PERM, LANES, capacity=8)
    signature = np.arange(PERM, dtype=np.uint32)
    for minute in range(40):
        # 21 posts held: the store moves its posts to the front and grows.
        recent.append(minute * 60.0, minute, ROW + minute, signature, NO_WORDS)
        recent.drop_before((minute - 20) * 60.0)
    for slot in (31, 25, 3, 99):  # 3 dropped long ago, 99 never held: nothing to forget
        recent.forget(slot)
    (span,) = recent.spans(39 * 60.0, 15 * 60.0)
    slots, rows = recent.scan(span, signature, floor=1.0)
    held = [24, *range(26, 31), *range(32, 40)]
    assert slots.tolist() == held
    assert rows.tolist() == [ROW + slot for slot in held]
    # Forgotten twice, then one of them dropped: the other still is never returned.
    recent.forget(31)
    assert recent.drop_before(26 * 60.0) == [19, 20, 21, 22, 23, 24, 25]
    (span,) = recent.spans(39 * 60.0, 15 * 60.0)
    slots, rows = recent.scan(span, signature, floor=1.0)
    assert slots.tolist() == held[1:]
    assert rows.tolist() == [ROW + slot for slot in held[1:]]


def test_recent_signatures_find_posts_sharing_words() -> None:
    recent = RecentSignatures(PERM, LANES, capacity=8)
    signature = np.arange(PERM, dtype=np.uint32)
    bridge = ("мост", "сейм", "пролет", "повре", "движе", "огран")
    texts = [bridge, ("погод", "гололе", "дорог", "синоп"), (*bridge[:4], "курск"), ()]
    for minute, words in enumerate(texts):
        recent.append(minute * 60.0, minute, ROW + minute, signature, word_bits(sketch(words)))
    query = word_bits(sketch(("мост", "сейм", "пролет", "дрон")))
    wide, narrow = recent.spans(3 * 60.0, 3 * 60.0, 60.0)
    assert recent.scan_words(wide, query, share=0.7) == [0, 2]
    assert recent.scan_words(narrow, query, share=0.7) == [2]
    # A post without words shares nothing, whatever the bar.
    assert recent.scan_words(wide, NO_WORDS, share=0.0) == []


def test_recent_signatures_find_shared_words_as_the_store_slides_and_grows() -> None:
    # Posts come and go for hours: the store moves its posts to the front and grows,
    # and every scan still finds exactly the posts of its span sharing enough words.
    rng = np.random.default_rng(5)
    recent = RecentSignatures(PERM, LANES, capacity=8)
    signature = np.arange(PERM, dtype=np.uint32)
    stems = [f"слово{number}" for number in range(40)]
    held: list[tuple[float, int, int]] = []
    for minute in range(300):
        words = tuple(rng.choice(stems, int(rng.integers(0, 6)), replace=False).tolist())
        # The window widens after a while: more posts are held than the store had room for.
        keep = 20 if minute < 150 else 45
        recent.drop_before((minute - keep) * 60.0)
        held = [post for post in held if post[0] >= (minute - keep) * 60.0]
        query = sketch(tuple(rng.choice(stems, 4, replace=False).tolist()))
        (span,) = recent.spans(minute * 60.0, 10 * 60.0)
        asked = _bits(query)
        expected = [
            slot
            for at, slot, known in held
            if at >= (minute - 10) * 60.0
            and known
            and (known & asked).bit_count() >= 0.5 * min(known.bit_count(), asked.bit_count())
        ]
        assert recent.scan_words(span, word_bits(query), share=0.5) == expected
        recent.append(minute * 60.0, minute, ROW + minute, signature, word_bits(sketch(words)))
        held.append((minute * 60.0, minute, _bits(sketch(words))))


def test_a_fingerprints_sketch_bits_are_the_bits_its_sketch_sets() -> None:
    # 300 stems in 1,024 bits: some share a bit, which is set once.
    stems = tuple(f"слово{number}" for number in range(300))
    for words in ((), ("мост",), ("мост", "мост", "сейм"), stems):
        bits = sketch_bits(words)
        assert bits.dtype == np.intp
        assert bits.tolist() == word_bits(sketch(words)).tolist()
    assert 0 < len(sketch_bits(stems)) < len(stems)


def _bits(lanes: np.ndarray) -> int:
    return int.from_bytes(lanes.tobytes(), "little")


@pytest.mark.parametrize("rows", [3, 10])
def test_a_band_of_an_odd_or_too_long_row_count_is_refused(rows: int) -> None:
    # A band's values are read as 64-bit words, each with its own multiplier.
    with pytest.raises(ValueError, match="rows must be even"):
        BandIndex(BANDS, rows)


def _slots(scanned: tuple[np.ndarray, np.ndarray]) -> list[int]:
    slots: list[int] = scanned[0].tolist()
    return slots
