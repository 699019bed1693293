"""Fingerprints: what near-duplicate detection keeps of a post's text.

Contract:

- The text is reduced to its news-bearing words (`strip_boilerplate`), folded like rule
  text (NFKC, case, ``ё`` = ``е``, Latin look-alikes in Cyrillic words and back, as
  `rules.text.fold_lookalikes` does) and every run of non-word characters becomes one
  space. That normalized string is shingled into its
  overlapping ``shingle``-character substrings (5 by default: measured on planted
  near-copies it beat word shingles, SimHash and token-set ratios).
- ``Fingerprint.signature`` is the MinHash of the set of shingles, ``num_perm`` values
  as a compact ``uint32`` array, or None when the normalized text has fewer than
  ``minimum`` distinct shingles: such posts never match by text. Each shingle hash is
  mixed by the MurmurHash3 32-bit finalizer, then each permutation is ``a * h + b``
  modulo 2**32 with an odd ``a`` (a bijection, so it adds no collisions); ``a`` and ``b``
  are drawn from numpy's ``RandomState(SEED)`` (datasketch's ``affine32`` scheme,
  computed here in numpy so the process does not load datasketch, which imports scipy
  for LSH code Lookout does not use: about 55 MB of resident memory). What the product
  relies on is tested: the share of equal values estimates the Jaccard similarity of
  the shingle sets, and a text gets the same signature in every process. ``size`` is
  the exact number of distinct shingles, so containment can be estimated from the
  Jaccard estimate.
- ``clues`` are read from the same stripped text before folding (`alerts.stories.clues`):
  numbers, names, content words, whether it announces an update; ``facts`` too
  (`alerts.stories.facts`: places, actors, numbers, topics), when the fingerprinter has
  a `FactReader`, else none; ``finding``, the keys other reports find it by
  (`alerts.stories.facts.finding_keys`).
- ``sketch_bits`` is the set of content words (``clues.words``) as the ascending numbers
  of the bits it sets in a `SKETCH_BITS`-bit map, a word setting the bit its CRC-32
  names: sketches of many posts are ANDed and counted at once to find the posts that
  share words, then the sets confirm. ``sketch(words)`` is that map (``uint64`` lanes).
- Equal inputs give equal fingerprints in every process (no salted hashing). Texts
  whose news words are equal share one reading (the `REMEMBERED` latest are kept):
  only whether a line opens with an update label is read from each raw text.
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata
import zlib
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from alerts.stories.boilerplate import strip_boilerplate
from alerts.stories.clues import (
    CACHED_TOKENS,
    CACHED_WORDS,
    Capitals,
    Clues,
    gathered_clues,
    labelled_update,
    line_openers,
    token_clues,
)
from alerts.stories.facts import (
    NO_FACTS,
    FactReader,
    Facts,
    Names,
    finding_keys,
    token_names,
    token_numbers,
)
from rules.text import fold_lookalikes

SEED = 20_240_517
"""Seed of the MinHash permutations: fingerprints are comparable across restarts."""

NUM_PERM = 96
"""MinHash permutations: on the tuning part 96 keep the pairwise figures of 128 (64 lose
recall within a language, 0.952 to 0.933), for three quarters of the signature's
bytes, band entries and comparisons. The estimate's standard error at a Jaccard of 0.45
is 0.05."""

Signature = npt.NDArray[np.uint32]
Sketch = npt.NDArray[np.uint64]
SketchBits = npt.NDArray[np.intp]
"""The numbers of the bits a word sketch sets, ascending."""
Shingles = npt.NDArray[np.uint32]
"""Sorted distinct 32-bit shingle hashes."""

REMEMBERED = 1024
"""Fingerprints of the latest distinct news texts kept, by text: a repost is its
original's text under another prefix and footer, and alert channels repeat their
templates word for word; reading a text costs ten look-ups or more."""

SKETCH_BITS = 1024
"""Bits of a word sketch: a 40-word post sets 1 bit in 13 and shares ~3 with a stranger."""

# Polynomial hash of shingles over code points, computed for all shingles at once
# (numpy wraps uint64 arithmetic modulo 2**64); the odd multiplier is arbitrary but fixed.
_MULTIPLIER = 0x9E3779B97F4A7C15
# MurmurHash3's finalizer constants, as numpy scalars made once (a few a post otherwise).
_MIX_SHIFTS = (np.uint32(16), np.uint32(13), np.uint32(16))
_MIX_FACTORS = (np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35))
_NON_WORD = re.compile(r"[\W_]+")
# Words mixing Latin and Cyrillic letters: the only ones look-alike folding can change.
_CYRILLIC = re.compile("[\u0400-\u052f]")
_MIXED = re.compile(r"\b(?=\w*[a-zA-Z])(?=\w*[\u0400-\u052f])\w+")
# A Latin letter beside a word character of another kind: every mixed word has one, and
# most texts that hold both scripts have none (the scan skips to Latin letters in C).
_TOUCHING = re.compile(r"[a-zA-Z](?:(?<=[^\Wa-zA-Z][a-zA-Z])|(?=[^\Wa-zA-Z]))")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What is kept of one post's text; see the module docstring."""

    signature: Signature | None
    size: int
    clues: Clues
    sketch_bits: SketchBits
    facts: Facts = NO_FACTS
    finding: frozenset[str] = frozenset()
    """`facts.finding_keys` of ``facts``, read once per text."""


def normalize(text: str) -> str:
    """The string that is shingled: news words only, folded, single-spaced."""
    return _fold(strip_boilerplate(text))


def _fold(stripped: str) -> str:
    return " ".join(filter(None, map(_fold_token, stripped.split())))


# Each token's folding, `token_clues` (four parts), `token_numbers`, `token_names` and
# the sketch bits of its content stems, in that order.
_TokenReading = tuple[
    str,
    frozenset[str],
    tuple[int, ...],
    frozenset[int],
    Capitals,
    frozenset[int],
    Names,
    frozenset[int],
]


@functools.lru_cache(maxsize=CACHED_TOKENS)
def _read_token(token: str) -> _TokenReading:
    """All a text's reading takes from one whitespace-free token: one look-up a token
    instead of one per kind of reading, each of which reads a text as its tokens do."""
    stems, digits, hinted, capitals = token_clues(token)
    bits = frozenset(map(_word_bit, stems))
    written, names = token_numbers(token), token_names(token)
    return (_fold_token(token), stems, digits, hinted, capitals, written, names, bits)


def _fold_token(token: str) -> str:
    """A whitespace-free token folded: its words single-spaced, "" when it has none
    (whitespace ends every word and every run of non-word characters, and NFKC composes
    nothing across it, so a text folds as its tokens do)."""
    # rules.text.fold, minus the per-word work it does for words that need none.
    text = unicodedata.normalize("NFKC", token)
    # A token in one script has no mixed word, nor one whose Latin letters all stand
    # alone: scans in C spare the word-by-word one.
    if _CYRILLIC.search(text) and _TOUCHING.search(text):
        text = _MIXED.sub(lambda found: fold_lookalikes(found.group()), text)
    return _NON_WORD.sub(" ", text.casefold().replace("ё", "е")).strip()


def shingle_hashes(normalized: str, shingle: int) -> Shingles:
    """Sorted distinct 32-bit hashes of the shingles of ``normalized``."""
    # Widened to uint64 once, where the dot products below wrap modulo 2**64.
    points = np.frombuffer(normalized.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(points) - shingle + 1
    if count < 1:
        return np.empty(0, dtype=np.uint32)
    # Each shingle's hash is the dot product of its code points with the multiplier's
    # powers (Horner's rule expanded): one product of a view of every window, where
    # Horner's steps cost numpy's per-call price twice a character of the shingle.
    windows = np.ndarray((count, shingle), np.uint64, points, 0, points.strides * 2)
    hashes = windows @ _powers(shingle)
    # The high half XOR the low half, read as the two uint32 halves of each value (in
    # either byte order: XOR does not care which half comes first).
    halves = hashes.view(np.uint32)
    folded = halves[0::2] ^ halves[1::2]
    folded.sort()
    # Distinct by sorting: np.unique's hash table costs four times more on a post's few
    # hundred values.
    fresh = np.empty(len(folded), dtype=bool)
    fresh[0] = True
    np.not_equal(folded[1:], folded[:-1], out=fresh[1:])
    distinct: Shingles = folded[fresh]
    return distinct


@functools.cache
def _powers(shingle: int) -> npt.NDArray[np.uint64]:
    """The multiplier's powers, highest first, that weigh a shingle's code points."""
    modulus = 1 << 64
    powers = [pow(_MULTIPLIER, exponent, modulus) for exponent in range(shingle - 1, -1, -1)]
    return np.array(powers, dtype=np.uint64)


def sketch(words: tuple[str, ...]) -> Sketch:
    """The `SKETCH_BITS`-bit map of ``words``; see the module docstring."""
    bits = functools.reduce(operator.or_, (1 << bit for bit in map(_word_bit, words)), 0)
    lanes: Sketch = np.frombuffer(bits.to_bytes(SKETCH_BITS // 8, "little"), dtype=np.uint64)
    return lanes


def sketch_bits(words: tuple[str, ...]) -> SketchBits:
    """The numbers of the bits `sketch` sets for ``words``, ascending."""
    bits: SketchBits = np.array(sorted(set(map(_word_bit, words))), dtype=np.intp)
    return bits


@functools.lru_cache(maxsize=CACHED_WORDS)
def _word_bit(word: str) -> int:
    """The number of the sketch bit of a content-word stem: stems recur from post to post."""
    return zlib.crc32(word.encode()) % SKETCH_BITS


def permutations(num_perm: int, seed: int = SEED) -> tuple[Signature, Signature]:
    """The multipliers (odd) and offsets of ``num_perm`` affine permutations of 32 bits."""
    # The legacy generator on purpose: its stream for a seed is fixed for good, where
    # numpy's newer generators may change theirs, and with them every signature.
    draw = np.random.RandomState(seed)
    halves = draw.randint(0, 1 << 31, num_perm, dtype=np.uint32)
    offsets: Signature = draw.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    multipliers: Signature = halves * np.uint32(2) + np.uint32(1)
    return multipliers, offsets


def _premix(hashes: Shingles) -> Signature:
    """MurmurHash3's 32-bit finalizer: spreads the bits of weakly mixed shingle hashes."""
    mixed = hashes >> _MIX_SHIFTS[0]
    mixed ^= hashes
    mixed *= _MIX_FACTORS[0]
    mixed ^= mixed >> _MIX_SHIFTS[1]
    mixed *= _MIX_FACTORS[1]
    mixed ^= mixed >> _MIX_SHIFTS[2]
    return mixed


class Fingerprinter:
    """Turns texts into `Fingerprint`s with one fixed set of MinHash permutations."""

    def __init__(
        self,
        *,
        num_perm: int = NUM_PERM,
        shingle: int = 5,
        minimum: int = 20,
        facts: FactReader | None = None,
    ) -> None:
        self.num_perm = num_perm
        self.facts = facts
        self.shingle = shingle
        self.minimum = minimum
        # Drawn once; every signature of this fingerprinter uses the same permutations.
        self._multipliers, self._offsets = permutations(num_perm)
        # News text (boilerplate stripped) -> its fingerprint, least recently read first.
        self._remembered: OrderedDict[str, Fingerprint] = OrderedDict()

    def __call__(self, text: str) -> Fingerprint:
        stripped = strip_boilerplate(text)
        remembered = self._remembered
        fingerprint = remembered.get(stripped)
        if fingerprint is None:
            fingerprint = self._read(stripped)
            remembered[stripped] = fingerprint
            if len(remembered) > REMEMBERED:
                remembered.popitem(last=False)
        else:
            remembered.move_to_end(stripped)
        if not fingerprint.clues.update and labelled_update(text):
            fingerprint = replace(fingerprint, clues=replace(fingerprint.clues, update=True))
        return fingerprint

    def _read(self, stripped: str) -> Fingerprint:
        tokens = stripped.split()
        readings = tuple(zip(*map(_read_token, tokens), strict=True))
        folds, stems, digits, hinted, capitals, written, names, bits = readings or ((),) * 8
        hashes = shingle_hashes(" ".join(filter(None, folds)), self.shingle)
        openers = line_openers(stripped, tokens)
        found = gathered_clues(stripped, tokens, openers, (stems, digits, hinted, capitals))
        facts = NO_FACTS
        if self.facts is not None:
            read = (tokens, openers, written, names)
            facts = self.facts(stripped, found.words, found.numbers, read)
        signature = None if len(hashes) < self.minimum else self.signature(hashes)
        # The words' bits are their tokens' (`sketch_bits`, without a look-up a word).
        word_bits: SketchBits = np.array(sorted(set().union(*bits)), dtype=np.intp)
        return Fingerprint(signature, len(hashes), found, word_bits, facts, finding_keys(facts))

    def signature(self, hashes: Shingles) -> Signature:
        """The MinHash of a non-empty set of 32-bit shingle hashes."""
        # One row per permutation, one column per shingle (the minimum is then taken
        # along rows in memory order, a tenth faster); uint32 wraps modulo 2**32.
        permuted = self._multipliers[:, np.newaxis] * _premix(hashes)
        permuted += self._offsets[:, np.newaxis]
        # The ufunc itself: ndarray.min goes through a Python wrapper first.
        signature: Signature = np.minimum.reduce(permuted, axis=1)
        return signature
