"""Matches posts against every active rule at once.

Contract:

- ``Matcher(lexicon)`` holds the active rules; ``add(rule_id, rule)`` (replacing a rule
  already under that id) and ``remove(rule_id)`` (a no-op for an unknown id) are
  incremental: they touch only the rule's own terms.
- ``match(text, sources=...)`` returns a ``RuleHit`` per matching rule, ordered by rule id.
  ``sources`` are the post's source names (``@kursk_gov``, a feed URL, its host) for
  ``source:`` terms. The post is tokenized once; the shared ``TermIndex`` finds the terms
  present; only rules one of whose *triggers* is present are evaluated (see
  ``rules.compiled``), so the work per post grows with the post and the rules that could
  match it, not with the number of rules.
- ``RuleHit.terms`` are the canonical texts of the rule's terms present in the post, not
  counting those only under a NOT; ``regions``/``topics`` their keys; ``spans`` the merged,
  sorted ``(start, end)`` character offsets of their occurrences in the ORIGINAL text,
  for highlighting (``source:`` terms have none).

No I/O: every word list is in the ``Lexicon`` given at construction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rules.compiled import CompiledRule, compile_rule
from rules.index import Span, TermIndex
from rules.rule import Rule, Source
from rules.source import post_source_keys

if TYPE_CHECKING:
    from collections.abc import Collection

    from rules.lexicon import Lexicon


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule_id: int
    terms: tuple[str, ...]
    regions: tuple[str, ...]
    topics: tuple[str, ...]
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class _Active:
    rule: Rule
    compiled: CompiledRule


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


class Matcher:
    def __init__(self, lexicon: Lexicon) -> None:
        self._index = TermIndex(lexicon)
        self._rules: dict[int, _Active] = {}
        self._triggered: dict[int, set[int]] = {}  # term id -> rules it may make true
        self._source_terms: dict[str, int] = {}
        self._source_refs: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._rules)

    def add(self, rule_id: int, rule: Rule) -> None:
        self.remove(rule_id)
        ids = {term: self._index.acquire(term) for term in rule.terms}
        for term, term_id in ids.items():
            if isinstance(term, Source):
                self._source_terms[term.name] = term_id
                self._source_refs[term.name] += 1
        compiled = compile_rule(rule, ids)
        for term_id in compiled.triggers:
            self._triggered.setdefault(term_id, set()).add(rule_id)
        self._rules[rule_id] = _Active(rule, compiled)

    def remove(self, rule_id: int) -> None:
        active = self._rules.pop(rule_id, None)
        if active is None:
            return
        for term_id in active.compiled.triggers:
            rules = self._triggered[term_id]
            rules.discard(rule_id)
            if not rules:
                del self._triggered[term_id]
        for term in active.rule.terms:
            if isinstance(term, Source):
                self._source_refs[term.name] -= 1
                if not self._source_refs[term.name]:
                    del self._source_refs[term.name], self._source_terms[term.name]
            self._index.release(term)

    def match(self, text: str, *, sources: Collection[str] = ()) -> list[RuleHit]:
        occurrences = self._index.occurrences(text)
        for key in post_source_keys(sources) if sources else ():
            term_id = self._source_terms.get(key)
            if term_id is not None:
                occurrences[term_id] = []
        present = set(occurrences)
        candidates: set[int] = set()
        triggered = self._triggered
        for term_id in present:
            rules = triggered.get(term_id)
            if rules:
                candidates.update(rules)
        hits = []
        spans: dict[tuple[int, ...], tuple[Span, ...]] = {}  # per post: shared by rules
        for rule_id in sorted(candidates):
            compiled = self._rules[rule_id].compiled
            if compiled.holds(present):
                hits.append(_hit(rule_id, compiled, occurrences, spans))
        return hits


def _hit(
    rule_id: int,
    compiled: CompiledRule,
    occurrences: dict[int, list[Span]],
    spans: dict[tuple[int, ...], tuple[Span, ...]],
) -> RuleHit:
    found = [term for term in compiled.positive if term.term_id in occurrences]
    key = tuple(term.term_id for term in found)
    merged = spans.get(key)
    if merged is None:
        merged = spans[key] = _merge([span for i in key for span in occurrences[i]])
    return RuleHit(
        rule_id=rule_id,
        terms=tuple(term.text for term in found),
        regions=tuple(term.region for term in found if term.region is not None),
        topics=tuple(term.topic for term in found if term.topic is not None),
        spans=merged,
    )
