"""Compiles terms into patterns: what the shared index looks for in a post.

Contract: ``PatternCompiler(lexicon).patterns(term)`` gives the ``Pattern``s of a term —
sequences of single-word *atoms* that must match adjacent words of a post, the term
being present when any pattern is. Atoms are ``("w", word)`` (the word in any form),
``("p", prefix)`` and ``("s", surface)`` (exactly that normalized word).

- ``Word``/``Prefix``/``Phrase``: one pattern of ``w``/``p`` atoms.
- ``Topic``: the patterns of each of its terms (written in the rule language).
- ``Region``: one pattern of ``s`` atoms per gazetteer form — never lemmas, since
  pymorphy3 gets place names wrong (``Курской`` → ``курский``) — and, for the gazetteer's
  *guarded* forms (``Белая``, ``Орла``), a pattern carrying the guard that must admit it.
- ``Blockers(region)``: the longer names of *other* regions that contain one of the
  region's names (``Moscow Oblast`` contains ``Moscow``, ``Белая Церковь`` contains
  ``Белая``); an occurrence of the region inside one of them does not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rules.rule import Phrase, Prefix, Region, Source, Term, Topic, Word
from rules.text import words
from rules.words import parse_words

if TYPE_CHECKING:
    from rules.lexicon import GuardLike, Lexicon

AtomKey = tuple[str, str]
_Words = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pattern:
    atoms: tuple[AtomKey, ...]
    guard: GuardLike | None = None


@dataclass(frozen=True, slots=True)
class Blockers:
    """Pseudo-term: other regions' longer names that contain a name of ``region``."""

    region: str


def _part_atom(part: Word | Prefix) -> AtomKey:
    return ("p", part.text) if isinstance(part, Prefix) else ("w", part.text)


def _surface(form: _Words, guard: GuardLike | None = None) -> Pattern:
    return Pattern(tuple(("s", word) for word in form), guard)


class PatternCompiler:
    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon
        self._region_forms: dict[str, list[tuple[_Words, GuardLike | None]]] = {}
        # Built on first use of Blockers: sub-sequence -> (longer form, its region, guard).
        self._containing: dict[_Words, list[tuple[_Words, str, GuardLike | None]]] | None = None

    def patterns(self, term: Term | Blockers) -> list[Pattern]:
        """The term's patterns, without duplicates (an unguarded one beats a guarded one)."""
        unique: dict[tuple[AtomKey, ...], Pattern] = {}
        for pattern in self._compile(term):
            known = unique.get(pattern.atoms)
            if known is None or (known.guard is not None and pattern.guard is None):
                unique[pattern.atoms] = pattern
        return list(unique.values())

    def _compile(self, term: Term | Blockers) -> list[Pattern]:
        match term:
            case Word() | Prefix():
                return [Pattern((_part_atom(term),))]
            case Phrase(parts):
                return [Pattern(tuple(_part_atom(part) for part in parts))]
            case Region(key):
                return [_surface(form, guard) for form, guard in self._forms(key)]
            case Topic(key):
                sub = (parse_words(text.strip('"'), 0) for text in self._lexicon.topics.terms(key))
                return [pattern for one in sub for pattern in self._compile(one)]
            case Blockers(key):
                return self._blockers(key)
            case Source():
                return []

    def _forms(self, key: str) -> list[tuple[_Words, GuardLike | None]]:
        """The region's forms as normalized words, with their guards (cached: it is slow)."""
        cached = self._region_forms.get(key)
        if cached is None:
            gazetteer = self._lexicon.gazetteer
            plain = [(words(form), None) for form in gazetteer.forms(key)]
            guarded = [(words(form), guard) for form, guard in gazetteer.guarded_forms(key).items()]
            cached = self._region_forms[key] = [(f, g) for f, g in (*plain, *guarded) if f]
        return cached

    def _blockers(self, key: str) -> list[Pattern]:
        own = {form for form, _ in self._forms(key)}
        containing = self._containment()
        return [
            _surface(longer, guard)
            for form in own
            for longer, region, guard in containing.get(form, ())
            if region != key and longer not in own
        ]

    def _containment(self) -> dict[_Words, list[tuple[_Words, str, GuardLike | None]]]:
        if self._containing is None:
            containing: dict[_Words, list[tuple[_Words, str, GuardLike | None]]] = {}
            gazetteer = self._lexicon.gazetteer
            for region in gazetteer.keys():  # noqa: SIM118  # a Gazetteer, not a dict
                for form, guard in self._forms(region):
                    for part in _proper_parts(form):
                        containing.setdefault(part, []).append((form, region, guard))
            self._containing = containing
        return self._containing


def _proper_parts(form: _Words) -> list[_Words]:
    """Every contiguous run of words of ``form`` shorter than ``form``."""
    size = len(form)
    return [
        form[start:end]
        for start in range(size)
        for end in range(start + 1, size + 1)
        if end - start < size
    ]
