"""A light English stemmer: enough to make ``drones``, ``drone`` and ``droned`` one word.

Contract: ``english_stem(word)`` takes a normalized (lowercase) Latin word and returns a
stem; two words are the same word when their stems are equal. It only strips regular
inflections (plural ``-s``/``-es``/``-ies``, ``-ed``, ``-ing``, a final ``-e``), so it is
predictable and never merges words across parts of speech the way Porter's suffix rules
do (``university``/``universe``). Irregular forms (``struck``) are left alone.
"""

from __future__ import annotations

# Words whose final "s" is not a plural; stripping it would merge "news" with "new".
_KEEP_S = frozenset(
    [
        "news",
        "series",
        "species",
        "this",
        "his",
        "is",
        "was",
        "has",
        "does",
        "gas",
        "bus",
        "yes",
        "us",
        "as",
        "its",
        "always",
        "perhaps",
        "plus",
        "thus",
        "minus",
        "lens",
        "physics",
        "politics",
        "economics",
        "analysis",
        "crisis",
        "basis",
        "chaos",
    ]
)
_MIN_STEM = 3


def _strip_plural(word: str) -> str:
    if word in _KEEP_S or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "zes", "sses")):
        return word[:-2]
    if word.endswith("s") and len(word) > _MIN_STEM:
        return word[:-1]
    return word


def _strip_verb(word: str) -> str:
    for suffix in ("ing", "ed"):
        stem = word.removesuffix(suffix)
        if stem != word and len(stem) >= _MIN_STEM and any(c in "aeiouy" for c in stem):
            # "stopped" -> "stop", but "shelled" keeps its "ll" (as "shell" does).
            if len(stem) > _MIN_STEM and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]
            return stem
    return word


def english_stem(word: str) -> str:
    """Stem of a lowercase English word (see the module contract)."""
    if len(word) <= _MIN_STEM:
        return word
    stem = _strip_verb(_strip_plural(word))
    if stem.endswith("e") and len(stem) > _MIN_STEM:
        stem = stem[:-1]
    return stem
