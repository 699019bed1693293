"""Built-in topics for `topic:KEY`: multilingual term lists.

Contract:

* `Topics.load()` reads the packaged, hand-written `rules/data/topics.toml`; nothing
  is read at import. Build one and pass it down.
* `keys()` lists the topic keys sorted (`air-defence`, `air-raid`, `casualties`,
  `drones`, …). `resolve(value)` accepts a key in any case with `-`/`_`/space alike
  or a topic's display name; `suggest(value)` is the closest key for a typo.
* `terms(key)` are the topic's terms, each written in the rule language: a word
  (matched in any inflected form), a `prefix*`, or a `"quoted phrase"`; the topic
  matches a post when any term does. The rule parser compiles them like typed terms.
* A `prefix*` term is allowed only where no common word or name shares the prefix:
  each one is declared in the topic's `prefixes` table with the dictionary lemmas it
  is meant to reach (`prefixes(key)`), and tests/rules_data/test_topics.py checks the
  pymorphy3 dictionaries against it. Other words are written as words (`дрон`, not
  `дрон*`, which also caught the bird дронго and the surname Дронов).
* Every term is validated at load: a malformed data file — or a prefix term missing
  from `prefixes`, or declared there and not used — raises `ValueError` (a bug in the
  data, not a user error). Unknown keys raise `KeyError`.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Topic", "Topics", "is_valid_term"]

_DATA_PACKAGE = "rules.data"
_DATA_FILE = "topics.toml"
_LANGS = ("en", "ru", "uk")
_SEPARATORS = re.compile(r"[\s_\-]+")
# A word (letters, digits, apostrophes, inner hyphens), optionally a prefix ending in
# "*", or a quoted phrase of such words. Rule-language operators never appear bare.
_WORD = r"[^\W_](?:[\w'’-]*[^\W_])?"
_TERM = re.compile(rf'(?:{_WORD}\*?|"{_WORD}(?:\s+{_WORD})*")')
_OPERATORS = frozenset({"and", "or", "not"})


def is_valid_term(term: str) -> bool:
    """True when `term` is a single rule-language word, prefix* or "phrase"."""
    return bool(_TERM.fullmatch(term)) and term.casefold() not in _OPERATORS


def _lookup_key(value: str) -> str:
    return _SEPARATORS.sub(" ", value.strip().casefold().replace("ё", "е")).strip()


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    display: Mapping[str, str]
    terms: tuple[str, ...]
    # prefix term -> the dictionary lemmas it is meant to reach (see the contract)
    prefixes: Mapping[str, tuple[str, ...]]


class Topics:
    """The loaded topics; immutable after `load()`."""

    def __init__(self, topics: Mapping[str, Topic]) -> None:
        self._topics = dict(topics)
        self._keys = tuple(sorted(self._topics))
        self._by_name: dict[str, str] = {}
        for topic in self._topics.values():
            for name in (topic.key, *topic.display.values()):
                self._by_name.setdefault(_lookup_key(name), topic.key)

    @classmethod
    def load(cls) -> Self:
        text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
        return cls.from_toml(tomllib.loads(text))

    @classmethod
    def from_toml(cls, data: Mapping[str, Any]) -> Self:
        topics = {}
        for key, spec in data["topic"].items():
            terms = tuple(spec["terms"])
            bad = [t for t in terms if not is_valid_term(t)]
            if bad or not terms:
                raise ValueError(f"topic {key!r}: malformed or missing terms {bad!r}")
            if len(set(terms)) != len(terms):
                raise ValueError(f"topic {key!r}: duplicate terms")
            prefixes = {term: tuple(lemmas) for term, lemmas in spec.get("prefixes", {}).items()}
            used = {t for t in terms if t.endswith("*") and not t.startswith('"')}
            if used != set(prefixes):
                raise ValueError(
                    f"topic {key!r}: prefixes used and declared differ: "
                    f"{sorted(used ^ set(prefixes))!r}"
                )
            display = MappingProxyType({lang: str(spec[lang]) for lang in _LANGS})
            topics[key] = Topic(key, display, terms, MappingProxyType(prefixes))
        return cls(topics)

    def keys(self) -> tuple[str, ...]:
        return self._keys

    def resolve(self, value: str) -> str | None:
        """The key for a key or a display name, or None."""
        return self._by_name.get(_lookup_key(value))

    def suggest(self, value: str) -> str | None:
        """The key closest to a mistyped value ("drone" → "drones"), or None."""
        wanted = _lookup_key(value)
        if not wanted:
            return None
        close = difflib.get_close_matches(wanted, list(self._by_name), n=1, cutoff=0.6)
        return self._by_name[close[0]] if close else None

    def terms(self, key: str) -> tuple[str, ...]:
        return self._topics[key].terms

    def prefixes(self, key: str) -> Mapping[str, tuple[str, ...]]:
        """The topic's prefix terms, each with the dictionary lemmas it may reach."""
        return self._topics[key].prefixes

    def display_name(self, key: str, lang: str) -> str:
        """The topic's name in "en", "ru" or "uk"; English for other languages."""
        display = self._topics[key].display
        return display.get(lang) or display["en"]
