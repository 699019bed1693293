"""Matches posts against every active rule at once.

Contract:

- ``Matcher(lexicon)`` holds the active rules; ``add(rule_id, rule)`` (replacing a rule
  already under that id) and ``remove(rule_id)`` (a no-op for an unknown id) are
  incremental: they touch only the rule's own terms. Equal rules (the same canonical
  form, watched by many subscribers) are compiled and evaluated once.
- ``match(text, sources=...)`` returns a ``RuleHit`` per matching rule, ordered by rule id.
  ``sources`` are the post's source names (``@kursk_gov``, a feed URL, its host) for
  ``source:`` terms. The post is tokenized once; the shared ``TermIndex`` finds the terms
  present; the ``ConditionIndex`` finds the distinct rules they make hold, looking only
  at rules filed under a present term (see ``rules.conditions``), so the work per post
  grows with the post and the rules that could match it, not with the number of rules.
- ``RuleHit.terms`` are the canonical texts of the rule's terms present in the post, not
  counting those only under a NOT; ``regions``/``topics`` their keys; ``spans`` the merged,
  sorted ``(start, end)`` character offsets of their occurrences in the ORIGINAL text,
  for highlighting (``source:`` terms have none). A post holds dozens of rules and its
  caller alerts on a few, so a hit is built in C from what its distinct rule shares
  (its report and the post's occurrences) and its spans are merged when read.

No I/O: every word list is in the ``Lexicon`` given at construction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Self

from rules.compiled import CompiledRule, Report, compile_rule
from rules.conditions import ConditionIndex
from rules.index import Span, TermIndex
from rules.rule import Rule, Source
from rules.source import post_source_keys

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    from rules.lexicon import Lexicon


# The pseudo-term under which a hit built by hand keeps its spans (term ids start at 1).
_GIVEN = 0


class RuleHit(tuple[tuple[int, Report], "Mapping[int, Sequence[Span]]"]):
    """One rule matching one post: ``rule_id``, ``terms``, ``regions``, ``topics``, ``spans``.

    Inside, the pair ((rule id, the distinct rule's report), the post's occurrences):
    ``match`` makes one per subscriber's rule with ``tuple.__new__`` from the (rule id,
    report) pair its distinct rule keeps, which costs a fraction of building a named
    tuple of five fields and merging spans nobody reads. Equal when the five fields are.
    """

    __slots__ = ()

    def __new__(
        cls,
        rule_id: int,
        terms: tuple[str, ...] = (),
        regions: tuple[str, ...] = (),
        topics: tuple[str, ...] = (),
        spans: Sequence[Span] = (),
    ) -> Self:
        report = Report((_GIVEN,), terms, regions, topics)
        return tuple.__new__(cls, ((rule_id, report), {_GIVEN: spans}))

    @property
    def rule_id(self) -> int:
        return self[0][0]

    @property
    def terms(self) -> tuple[str, ...]:
        return self[0][1].texts

    @property
    def regions(self) -> tuple[str, ...]:
        return self[0][1].regions

    @property
    def topics(self) -> tuple[str, ...]:
        return self[0][1].topics

    @property
    def spans(self) -> tuple[Span, ...]:
        (_, report), occurrences = self
        return _merge([span for term_id in report.term_ids for span in occurrences[term_id]])

    def _fields(self) -> tuple[int, tuple[str, ...], tuple[str, ...], tuple[str, ...], object]:
        return (self.rule_id, self.terms, self.regions, self.topics, self.spans)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RuleHit):
            return self._fields() == other._fields()
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if isinstance(other, RuleHit):
            return self._fields() != other._fields()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        rule_id, terms, regions, topics, spans = self._fields()
        return (
            f"RuleHit(rule_id={rule_id!r}, terms={terms!r}, regions={regions!r}, "
            f"topics={topics!r}, spans={spans!r})"
        )


@dataclass(slots=True, eq=False)  # hashed by identity: one object per distinct rule
class _Condition:
    """A distinct rule, compiled once however many subscribers watch it."""

    rule: Rule
    compiled: CompiledRule
    rule_ids: set[int]
    # (rule id, report) per subscriber's rule when the report does not depend on the post
    # (a plain conjunction): a post that holds the rule takes them with one list extension.
    fixed: tuple[tuple[int, Report], ...] = ()

    def refresh(self) -> None:
        """Keep ``fixed`` in step with ``rule_ids``."""
        if self.compiled.required is not None:
            report = self.compiled.full_report
            self.fixed = tuple((rule_id, report) for rule_id in sorted(self.rule_ids))


_SOURCE_CACHE_LIMIT = 10_000
_new_hit = tuple.__new__
_rule_id = itemgetter(0)


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    if len(spans) == 1:
        return (spans[0],)
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
        self._rules: dict[int, int] = {}  # rule id -> condition id
        self._condition_ids: dict[Rule, int] = {}
        self._conditions: dict[int, _Condition] = {}
        self._triggered: ConditionIndex[_Condition] = ConditionIndex()
        self._source_terms: dict[str, int] = {}
        self._source_refs: Counter[str] = Counter()
        self._source_cache: dict[str, frozenset[str]] = {}  # a post's source name -> keys
        self._next_condition = 0

    def __len__(self) -> int:
        return len(self._rules)

    def add(self, rule_id: int, rule: Rule) -> None:
        self.remove(rule_id)
        condition_id = self._condition_ids.get(rule)
        if condition_id is None:
            condition_id = self._condition_ids[rule] = self._next_condition = (
                self._next_condition + 1
            )
            self._conditions[condition_id] = _Condition(rule, self._compile(rule), set())
            self._triggered.add(
                self._conditions[condition_id].compiled, self._conditions[condition_id]
            )
        self._conditions[condition_id].rule_ids.add(rule_id)
        self._conditions[condition_id].refresh()
        self._rules[rule_id] = condition_id

    def _compile(self, rule: Rule) -> CompiledRule:
        ids = {term: self._index.acquire(term) for term in rule.terms}
        for term, term_id in ids.items():
            if isinstance(term, Source):
                self._source_terms[term.name] = term_id
                self._source_refs[term.name] += 1
        return compile_rule(rule, ids)

    def remove(self, rule_id: int) -> None:
        condition_id = self._rules.pop(rule_id, None)
        if condition_id is None:
            return
        condition = self._conditions[condition_id]
        condition.rule_ids.discard(rule_id)
        if condition.rule_ids:
            condition.refresh()
            return
        del self._conditions[condition_id], self._condition_ids[condition.rule]
        self._triggered.remove(condition.compiled, condition)
        for term in condition.rule.terms:
            if isinstance(term, Source):
                self._source_refs[term.name] -= 1
                if not self._source_refs[term.name]:
                    del self._source_refs[term.name], self._source_terms[term.name]
            self._index.release(term)

    def match(self, text: str, *, sources: Collection[str] = ()) -> list[RuleHit]:
        occurrences = self._index.occurrences(text)
        for name in sources:
            for key in self._source_keys(name):
                term_id = self._source_terms.get(key)
                if term_id is not None:
                    occurrences[term_id] = []
        present = set(occurrences)
        found: list[tuple[int, Report]] = []
        for condition in self._triggered.holding(present):
            compiled = condition.compiled
            if compiled.required is not None:
                found += condition.fixed
            else:
                report = compiled.report(present)
                found += [(rule_id, report) for rule_id in condition.rule_ids]
        found.sort(key=_rule_id)
        # One hit per subscriber's rule: a post holds dozens, so each is built in C (zip
        # hands tuple.__new__ one pair it reuses).
        return list(map(_new_hit, repeat(RuleHit), zip(found, repeat(occurrences))))

    def _source_keys(self, name: str) -> frozenset[str]:
        keys = self._source_cache.get(name)
        if keys is None:
            if len(self._source_cache) >= _SOURCE_CACHE_LIMIT:
                self._source_cache.clear()
            keys = self._source_cache[name] = post_source_keys((name,))
        return keys
