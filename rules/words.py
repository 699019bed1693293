"""Turns the text of one word-like term (bare or quoted) into Word, Prefix or Phrase.

Contract: ``parse_words(text, position)`` normalizes ``text`` with ``rules.text``;
one word gives a ``Word`` (or a ``Prefix`` when it ends with ``*``), several give a
``Phrase`` — so a quoted single word is just that word, and ``Су-34`` is the phrase
``"су 34"``. A ``*`` may only end a word; a prefix standing alone needs at least
``MIN_PREFIX`` characters (``су-3*`` is fine, ``с*`` is not). ``position`` is where
``text`` starts in the rule, for error messages.
"""

from __future__ import annotations

import re

from rules.errors import RuleSyntaxError
from rules.rule import Phrase, Prefix, Word
from rules.text import normalize_word, raw_words

MIN_PREFIX = 3
_PIECE_RE = re.compile(r"\S+")


def _piece(piece: str, position: int) -> list[Word | Prefix]:
    star = piece.find("*")
    if star != -1 and star != len(piece) - 1 and piece[star:].strip("*"):
        raise RuleSyntaxError("star_inside_word", position + star, at=position + star + 1)
    stem = piece.rstrip("*")
    words = [word for raw in raw_words(stem) for word in normalize_word(raw)]
    if not words:
        raise RuleSyntaxError("no_letters", position, piece=piece, at=position + 1)
    parts: list[Word | Prefix] = [Word(word) for word in words]
    if stem != piece:
        parts[-1] = Prefix(words[-1])
    return parts


def parse_words(text: str, position: int) -> Word | Prefix | Phrase:
    parts: list[Word | Prefix] = []
    for piece in _PIECE_RE.finditer(text):
        parts.extend(_piece(piece.group(), position + piece.start()))
    if not parts:
        raise RuleSyntaxError("empty_quotes", max(position - 1, 0), at=position)
    if len(parts) > 1:
        return Phrase(tuple(parts))
    if isinstance(parts[0], Prefix) and len(parts[0].text) < MIN_PREFIX:
        # Inside a phrase the other words anchor a short prefix; alone it matches too much.
        raise RuleSyntaxError(
            "prefix_too_short", position, prefix=parts[0].text, at=position + 1, limit=MIN_PREFIX
        )
    return parts[0]
