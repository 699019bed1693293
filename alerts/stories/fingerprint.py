"""Fingerprints: what near-duplicate detection keeps of a post's text.

Contract:

- The text is reduced to its news-bearing words (`strip_boilerplate`), folded like rule
  text (NFKC, case, ``ё`` = ``е``, Latin look-alikes in Cyrillic words and back, as
  `rules.text.fold_lookalikes` does) and every run of non-word characters becomes one
  space. That normalized string is shingled into its
  overlapping ``shingle``-character substrings (5 by default: measured on planted
  near-copies it beat word shingles, SimHash and token-set ratios).
- ``Fingerprint.signature`` is the datasketch ``MinHash`` (scheme ``affine32``, fixed
  seed, ``num_perm`` values) of the set of shingles, as a compact ``uint32`` array
  (computed here from datasketch's permutations, value for value the same), or
  None when the normalized text has fewer than ``minimum`` distinct shingles: such
  posts never match by text. ``size`` is the exact number of distinct shingles, so
  containment can be estimated from the Jaccard estimate.
- ``clues`` are read from the same stripped text before folding (`alerts.stories.clues`):
  numbers, names, content words, whether it announces an update; ``facts`` too
  (`alerts.stories.facts`: places, actors, numbers, topics), when the fingerprinter has
  a `FactReader`, else none.
- ``sketch`` is the set of content words (``clues.words``) as a `SKETCH_BITS`-bit map
  (``uint64`` lanes), a word setting the bit its CRC-32 names: sketches of many posts are
  ANDed and counted at once to find the posts that share words, then the sets confirm.
- Equal inputs give equal fingerprints in every process (no salted hashing).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from datasketch import MinHash  # type: ignore[import-untyped]  # ships no type hints

from alerts.stories.boilerplate import strip_boilerplate
from alerts.stories.clues import Clues, clues, labelled_update
from alerts.stories.facts import NO_FACTS, FactReader, Facts
from rules.text import fold_lookalikes

SEED = 20_240_517
"""Seed of the MinHash permutations: fingerprints are comparable across restarts."""

Signature = npt.NDArray[np.uint32]
Sketch = npt.NDArray[np.uint64]

SKETCH_BITS = 1024
"""Bits of a word sketch: a 40-word post sets 1 bit in 13 and shares ~3 with a stranger."""

# Polynomial rolling hash of shingles over code points, computed for all shingles at once
# (numpy wraps uint64 arithmetic modulo 2**64); the odd multiplier is arbitrary but fixed.
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_FMIX_SHIFTS = (np.uint32(16), np.uint32(13))
_FMIX_MULTIPLIERS = (np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35))
_NON_WORD = re.compile(r"[\W_]+")
# Words mixing Latin and Cyrillic letters: the only ones look-alike folding can change.
_MIXED = re.compile(r"\b(?=\w*[a-zA-Z])(?=\w*[\u0400-\u052f])\w+")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What is kept of one post's text; see the module docstring."""

    signature: Signature | None
    size: int
    clues: Clues
    sketch: Sketch
    facts: Facts = NO_FACTS


def normalize(text: str) -> str:
    """The string that is shingled: news words only, folded, single-spaced."""
    return _fold(strip_boilerplate(text))


def _fold(stripped: str) -> str:
    # rules.text.fold, minus the per-word work it does for words that need none.
    text = unicodedata.normalize("NFKC", stripped)
    text = _MIXED.sub(lambda found: fold_lookalikes(found.group()), text)
    return _NON_WORD.sub(" ", text.casefold().replace("ё", "е")).strip()


def shingle_hashes(normalized: str, shingle: int) -> npt.NDArray[np.uint64]:
    """Sorted distinct 32-bit hashes (held in uint64) of the shingles of ``normalized``."""
    points = np.frombuffer(normalized.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(points) - shingle + 1
    if count < 1:
        return np.empty(0, dtype=np.uint64)
    hashes = np.zeros(count, dtype=np.uint64)
    for offset in range(shingle):
        hashes = hashes * _MULTIPLIER + points[offset : offset + count]
    folded: npt.NDArray[np.uint64] = np.unique((hashes >> _SHIFT32) ^ (hashes & _LOW32))
    return folded


def sketch(words: tuple[str, ...]) -> Sketch:
    """The `SKETCH_BITS`-bit map of ``words``; see the module docstring."""
    bits = 0
    for word in words:
        bits |= 1 << (zlib.crc32(word.encode()) % SKETCH_BITS)
    lanes: Sketch = np.frombuffer(bits.to_bytes(SKETCH_BITS // 8, "little"), dtype=np.uint64)
    return lanes


def _fmix32(values: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """MurmurHash3's 32-bit finalizer, as datasketch's affine32 scheme pre-mixes inputs."""
    values = values ^ (values >> _FMIX_SHIFTS[0])
    values = values * _FMIX_MULTIPLIERS[0]
    values = values ^ (values >> _FMIX_SHIFTS[1])
    values = values * _FMIX_MULTIPLIERS[1]
    mixed: npt.NDArray[np.uint32] = values ^ (values >> _FMIX_SHIFTS[0])
    return mixed


def _identity(value: int) -> int:
    # Shingles arrive already hashed to 32 bits; datasketch mixes them before permuting.
    return value


class Fingerprinter:
    """Turns texts into `Fingerprint`s with one fixed set of MinHash permutations."""

    def __init__(
        self,
        *,
        num_perm: int = 128,
        shingle: int = 5,
        minimum: int = 20,
        facts: FactReader | None = None,
    ) -> None:
        self.num_perm = num_perm
        self.facts = facts
        self.shingle = shingle
        self.minimum = minimum
        # datasketch draws the permutations (its seed, its scheme); applying them here, to
        # the already hashed shingles as one array, skips its per-value Python call.
        empty = MinHash(num_perm=num_perm, seed=SEED, hashfunc=_identity, scheme="affine32")
        first, second = empty.permutations
        self._a: npt.NDArray[np.uint32] = np.asarray(first, dtype=np.uint32)
        self._b: npt.NDArray[np.uint32] = np.asarray(second, dtype=np.uint32)

    def __call__(self, text: str) -> Fingerprint:
        stripped = strip_boilerplate(text)
        hashes = shingle_hashes(_fold(stripped), self.shingle)
        found = clues(stripped)
        if not found.update and labelled_update(text):
            found = replace(found, update=True)
        facts = NO_FACTS if self.facts is None else self.facts(stripped, found.words)
        if len(hashes) < self.minimum:
            return Fingerprint(None, len(hashes), found, sketch(found.words), facts)
        signature = self.signature(hashes)
        return Fingerprint(signature, len(hashes), found, sketch(found.words), facts)

    def signature(self, hashes: npt.NDArray[np.uint64]) -> Signature:
        """The MinHash of shingle hashes: what datasketch's ``update_batch`` gives."""
        mixed = _fmix32(hashes.astype(np.uint32))
        # uint32 arithmetic wraps modulo 2**32, as the affine32 scheme intends.
        signature: Signature = (mixed[:, None] * self._a + self._b).min(axis=0)
        return signature
