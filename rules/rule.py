"""The rule tree: immutable nodes, their canonical text, and plain evaluation.

Contract:

- Leaves (terms): ``Word`` (a normalized word, matched in any inflected form),
  ``Prefix`` (``дрон*``), ``Phrase`` (words/prefixes adjacent and in order), ``Region``,
  ``Topic`` and ``Source`` (by key). Inner nodes: ``Not``, ``And``, ``Or``; the parser
  flattens nested ``And``/``Or``, never builds a one-operand ``And``/``Or`` and collapses
  double negation, so equal rules have equal trees.
- ``Rule.canonical`` prints the tree so that parsing it again gives an equal tree:
  AND is a space, OR is `` OR ``, NOT is ``-``; an OR inside an AND, and an AND inside an
  OR, are parenthesized.
- ``evaluate(node, present)`` decides a tree given which terms are present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

KEYWORDS = frozenset({"and", "or", "not"})
_BARE_VALUE_RE = re.compile(r'[^\s"()|“”„«»‟＂]+')


@dataclass(frozen=True, slots=True)
class Word:
    text: str


@dataclass(frozen=True, slots=True)
class Prefix:
    text: str


@dataclass(frozen=True, slots=True)
class Phrase:
    parts: tuple[Word | Prefix, ...]


@dataclass(frozen=True, slots=True)
class Region:
    key: str


@dataclass(frozen=True, slots=True)
class Topic:
    key: str


@dataclass(frozen=True, slots=True)
class Source:
    name: str


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Node, ...]


Term = Word | Prefix | Phrase | Region | Topic | Source
Node = Term | Not | And | Or
TERM_TYPES = (Word, Prefix, Phrase, Region, Topic, Source)


def _value(field: str, value: str) -> str:
    return f"{field}:{value}" if _BARE_VALUE_RE.fullmatch(value) else f'{field}:"{value}"'


def term_text(term: Term) -> str:
    """Canonical text of one term, e.g. ``дрон*``, ``"мост через сейм"``, ``region:kursk``."""
    match term:
        case Word(text):
            return f'"{text}"' if text in KEYWORDS else text
        case Prefix(text):
            return f"{text}*"
        case Phrase(parts):
            inner = " ".join(
                part.text + ("*" if isinstance(part, Prefix) else "") for part in parts
            )
            return f'"{inner}"'
        case Region(key):
            return _value("region", key)
        case Topic(key):
            return _value("topic", key)
        case Source(name):
            return _value("source", name)


def canonical(node: Node) -> str:
    match node:
        case Not(operand):
            inner = canonical(operand)
            return f"-{inner}" if isinstance(operand, TERM_TYPES) else f"-({inner})"
        case And(operands):
            return " ".join(
                f"({canonical(o)})" if isinstance(o, Or) else canonical(o) for o in operands
            )
        case Or(operands):
            return " OR ".join(
                f"({canonical(o)})" if isinstance(o, And) else canonical(o) for o in operands
            )
        case _:
            return term_text(node)


def iter_terms(node: Node, *, negated: bool = False) -> Iterator[tuple[Term, bool]]:
    """Every term with whether it sits under an odd number of NOTs."""
    match node:
        case Not(operand):
            yield from iter_terms(operand, negated=not negated)
        case And(operands) | Or(operands):
            for operand in operands:
                yield from iter_terms(operand, negated=negated)
        case _:
            yield node, negated


def evaluate(node: Node, present: Callable[[Term], bool]) -> bool:
    match node:
        case Not(operand):
            return not evaluate(operand, present)
        case And(operands):
            return all(evaluate(operand, present) for operand in operands)
        case Or(operands):
            return any(evaluate(operand, present) for operand in operands)
        case _:
            return present(node)


def _unique(items: Iterator[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True)
class Rule:
    """A parsed rule; two rules are equal when their trees are."""

    root: Node

    @cached_property
    def canonical(self) -> str:
        return canonical(self.root)

    @cached_property
    def terms(self) -> tuple[Term, ...]:
        """Distinct terms in order of appearance."""
        return tuple(dict.fromkeys(term for term, _ in iter_terms(self.root)))

    @cached_property
    def regions(self) -> tuple[str, ...]:
        return _unique(term.key for term in self.terms if isinstance(term, Region))

    @cached_property
    def topics(self) -> tuple[str, ...]:
        return _unique(term.key for term in self.terms if isinstance(term, Topic))

    @cached_property
    def sources(self) -> tuple[str, ...]:
        return _unique(term.name for term in self.terms if isinstance(term, Source))

    def __str__(self) -> str:
        return self.canonical
