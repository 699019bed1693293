"""Matches posts against every active rule at once.

Contract:

- ``Matcher(lexicon)`` holds the active rules; ``add(rule_id, rule)`` (replacing a rule
  already under that id) and ``remove(rule_id)`` (a no-op for an unknown id) are
  incremental: they touch only the rule's own terms.
- ``match(text, sources=...)`` returns a ``RuleHit`` per matching rule, ordered by rule id.
  ``sources`` are the post's source names (``@kursk_gov``, a feed URL, its host) for
  ``source:`` terms. The post is tokenized once; the shared ``TermIndex`` finds the terms
  present; only rules that mention one of them are evaluated. A rule whose terms are all
  absent cannot match, because ``parse_rule`` refuses rules that would (only exclusions).
- ``RuleHit.terms`` are the canonical texts of the rule's terms present in the post, not
  counting those only under a NOT; ``regions``/``topics`` their keys; ``spans`` the merged,
  sorted ``(start, end)`` character offsets of their occurrences in the ORIGINAL text,
  for highlighting (``source:`` terms have none).

No I/O: every word list is in the ``Lexicon`` given at construction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from rules.index import Span, TermIndex
from rules.rule import And, Node, Not, Or, Region, Rule, Source, Term, Topic, iter_terms, term_text
from rules.source import post_source_keys

if TYPE_CHECKING:
    from collections.abc import Collection, Container

    from rules.lexicon import Lexicon

# A rule compiled to term ids: an id, or (operator, operands) with "!", "&" or "|".
Compiled: TypeAlias = "int | tuple[str, tuple[Compiled, ...]]"


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
    compiled: Compiled
    term_ids: dict[Term, int]
    positive: tuple[tuple[int, Term], ...]


def _compile(node: Node, ids: dict[Term, int]) -> Compiled:
    match node:
        case Not(operand):
            return ("!", (_compile(operand, ids),))
        case And(operands):
            return ("&", tuple(_compile(operand, ids) for operand in operands))
        case Or(operands):
            return ("|", tuple(_compile(operand, ids) for operand in operands))
        case _:
            return ids[node]


def _holds(node: Compiled, present: Container[int]) -> bool:
    if isinstance(node, int):
        return node in present
    operator, operands = node
    if operator == "&":
        return all(_holds(operand, present) for operand in operands)
    if operator == "|":
        return any(_holds(operand, present) for operand in operands)
    return not _holds(operands[0], present)


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
        self._rules_by_term: dict[int, set[int]] = {}
        self._source_terms: dict[str, int] = {}
        self._source_refs: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._rules)

    def add(self, rule_id: int, rule: Rule) -> None:
        self.remove(rule_id)
        ids = {term: self._index.acquire(term) for term in rule.terms}
        for term, term_id in ids.items():
            self._rules_by_term.setdefault(term_id, set()).add(rule_id)
            if isinstance(term, Source):
                self._source_terms[term.name] = term_id
                self._source_refs[term.name] += 1
        positive = {term: None for term, negated in iter_terms(rule.root) if not negated}
        self._rules[rule_id] = _Active(
            rule, _compile(rule.root, ids), ids, tuple((ids[term], term) for term in positive)
        )

    def remove(self, rule_id: int) -> None:
        active = self._rules.pop(rule_id, None)
        if active is None:
            return
        for term, term_id in active.term_ids.items():
            rules = self._rules_by_term[term_id]
            rules.discard(rule_id)
            if not rules:
                del self._rules_by_term[term_id]
            if isinstance(term, Source):
                self._source_refs[term.name] -= 1
                if not self._source_refs[term.name]:
                    del self._source_refs[term.name], self._source_terms[term.name]
            self._index.release(term)

    def match(self, text: str, *, sources: Collection[str] = ()) -> list[RuleHit]:
        present = self._index.occurrences(text)
        for key in post_source_keys(sources) if sources else ():
            term_id = self._source_terms.get(key)
            if term_id is not None:
                present[term_id] = []
        candidates: set[int] = set()
        for term_id in present:
            candidates.update(self._rules_by_term.get(term_id, ()))
        hits = []
        for rule_id in sorted(candidates):
            active = self._rules[rule_id]
            if _holds(active.compiled, present):
                hits.append(self._hit(rule_id, active, present))
        return hits

    @staticmethod
    def _hit(rule_id: int, active: _Active, present: dict[int, list[Span]]) -> RuleHit:
        found = [(term_id, term) for term_id, term in active.positive if term_id in present]
        return RuleHit(
            rule_id=rule_id,
            terms=tuple(term_text(term) for _, term in found),
            regions=tuple(term.key for _, term in found if isinstance(term, Region)),
            topics=tuple(term.key for _, term in found if isinstance(term, Topic)),
            spans=_merge([span for term_id, _ in found for span in present[term_id]]),
        )
