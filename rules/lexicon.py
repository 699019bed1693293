"""Everything the rule language knows about words, bundled once by the composition root.

Contract: ``Lexicon.load()`` builds the morphology (pymorphy3 ru + uk analyzers), the
gazetteer (``rules.gazetteer.Gazetteer.load()``) and the topics
(``rules.topics.Topics.load()``); nothing is loaded at import time. Parsing and matching
take a ``Lexicon`` and never load anything themselves. Tests may build one from stand-ins
that satisfy the ``GazetteerLike`` and ``TopicsLike`` protocols below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from rules.gazetteer import Gazetteer
from rules.morphology import Morphology
from rules.topics import Topics

if TYPE_CHECKING:
    from collections.abc import Mapping


class GuardLike(Protocol):
    """When an ambiguous place name counts (``rules.gazetteer.Guard``).

    ``needs_support``: the form counts only when its term is present through another,
    unguarded or not-support-needing, pattern as well (a place several regions share).
    """

    @property
    def needs_support(self) -> bool: ...

    def admits(self, surface: str, previous: str | None, following: str = "") -> bool:
        """``surface``: the form as written; ``previous``: the word before, None at a start;
        ``following``: the text after the form (possibly cut short)."""


class GazetteerLike(Protocol):
    """Regions and the places in them (``rules.gazetteer.Gazetteer``)."""

    def keys(self) -> tuple[str, ...]:
        """Every region key."""

    def resolve(self, value: str) -> str | None:
        """Region key for a key or any name of the region, else None."""

    def suggest(self, value: str) -> str | None:
        """The closest region key for a misspelt value, else None."""

    def closest(self, value: str, count: int = 3) -> tuple[str, ...]:
        """The ``count`` region keys most like ``value``, best first (never empty)."""

    def names(self, key: str) -> tuple[str, ...]:
        """The region's nominative names in every language."""

    def forms(self, key: str) -> frozenset[str]:
        """Every surface form of the region's names and places (raw text, maybe multi-word)."""

    def guarded_forms(self, key: str) -> Mapping[str, GuardLike]:
        """Forms that are also ordinary words, each counted only when its guard admits it."""

    def display_name(self, key: str, lang: str) -> str:
        """Human name of the region."""


class TopicsLike(Protocol):
    """Built-in multilingual topics (``rules.topics.Topics``)."""

    def keys(self) -> tuple[str, ...]:
        """Every topic key."""

    def resolve(self, value: str) -> str | None:
        """Topic key for a key or a topic's name, else None."""

    def terms(self, key: str) -> tuple[str, ...]:
        """The topic's terms, each a word, a "phrase" or a prefix* of the rule language."""

    def suggest(self, value: str) -> str | None:
        """The closest topic key for a misspelt value, else None."""

    def display_name(self, key: str, lang: str) -> str:
        """Human name of the topic."""


@dataclass(frozen=True)
class Lexicon:
    morphology: Morphology
    gazetteer: GazetteerLike
    topics: TopicsLike

    @classmethod
    def load(cls) -> Lexicon:
        """Everything, from the packaged data (about a second): call once, pass it down."""
        return cls(morphology=Morphology.load(), gazetteer=Gazetteer.load(), topics=Topics.load())
