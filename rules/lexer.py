"""Splits rule text into lexemes, keeping each one's position in the text.

Contract: ``lex(text)`` returns lexemes ending with an ``END`` lexeme, or raises
``RuleSyntaxError``. Kinds:

- ``(``, ``)``; ``OR`` (``OR`` or ``|``), ``AND``, ``NOT`` (``NOT`` or a dash glued to
  what follows: ``-учения``, ``-(a b)``, ``—учения``); keywords in any case.
- ``WORD``: a bare chunk such as ``дрон``, ``дрон*``, ``Су-34`` (the parser splits it);
- ``QUOTED``: the text between quotes; straight and typographic quotes (``“”„«»``) are
  all accepted, since phones replace ``"`` as one types;
- ``FIELD``: ``region:``, ``topic:`` or ``source:`` with its value (bare or quoted).

A chunk ends at whitespace, a parenthesis, a quote or ``|``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rules.errors import RuleSyntaxError
from rules.text import DASHES

FIELDS = ("region", "topic", "source")
QUOTES = '"“”„«»‟＂'
_DASH_CHARS = "-" + DASHES
_CHUNK_RE = re.compile(rf"[^\s()|{QUOTES}]+")
_FIELD_RE = re.compile(r"([^\W\d_]+):(.*)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Lexeme:
    kind: str
    position: int
    text: str = ""
    field: str = ""


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def _quoted(text: str, start: int) -> tuple[str, int]:
    """Content of the quote opening at ``start`` and the index just past its end."""
    end = start + 1
    while end < len(text) and text[end] not in QUOTES:
        end += 1
    if end >= len(text):
        raise RuleSyntaxError("unclosed_quote", start, at=start + 1)
    return text[start + 1 : end], end + 1


def _field(text: str, name: str, value: str, start: int) -> tuple[Lexeme, int]:
    """A field lexeme whose bare value ``value`` ends the chunk starting at ``start``."""
    field = name.casefold()
    value_at = start + len(name) + 1
    end = value_at + len(value)
    if not value and end < len(text) and text[end] in QUOTES:
        value, end = _quoted(text, end)
    if not value.strip():
        example = {"region": "kursk", "topic": "drones", "source": "@channel"}[field]
        raise RuleSyntaxError(
            "field_without_value", start, field=field, example=f"{field}:{example}"
        )
    return Lexeme("FIELD", start, value.strip(), field), end


def _chunk(text: str, start: int) -> tuple[Lexeme, int]:
    chunk = _CHUNK_RE.match(text, start)
    assert chunk is not None  # noqa: S101  # the caller only calls at a chunk character
    word, end = chunk.group(), chunk.end()
    if word.casefold() in ("and", "or", "not"):
        return Lexeme(word.upper(), start), end
    field = _FIELD_RE.fullmatch(word)
    if field:
        name = field.group(1).casefold()
        if name in FIELDS:
            return _field(text, field.group(1), field.group(2), start)
        close = [known for known in FIELDS if _edit_distance(name, known) <= 2]
        if close and len(name) >= 4:
            raise RuleSyntaxError("unknown_field", start, name=name, at=start + 1, field=close[0])
    return Lexeme("WORD", start, word), end


def _dash(text: str, position: int) -> Lexeme:
    following = position + 1
    if following >= len(text) or text[following].isspace():
        raise RuleSyntaxError("dash_without_term", position, sign=text[position], at=position + 1)
    return Lexeme("NOT", position)


def lex(text: str) -> list[Lexeme]:
    lexemes: list[Lexeme] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
        elif char in "()":
            lexemes.append(Lexeme(char, position))
            position += 1
        elif char == "|":
            lexemes.append(Lexeme("OR", position))
            position += 1
        elif char in QUOTES:
            content, end = _quoted(text, position)
            lexemes.append(Lexeme("QUOTED", position, content))
            position = end
        elif char in _DASH_CHARS:
            lexemes.append(_dash(text, position))
            position += 1
        else:
            lexeme, position = _chunk(text, position)
            lexemes.append(lexeme)
    lexemes.append(Lexeme("END", len(text)))
    return lexemes
