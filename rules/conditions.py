"""Which distinct rules hold, given the terms a post contains.

Contract: ``ConditionIndex`` holds compiled rules (``rules.compiled.CompiledRule``) under
condition ids; ``add``/``remove`` are incremental. ``holding(present)`` returns every
held condition's value, each once, in no particular order.

How: a plain conjunction (``a b -c``, most rules) is filed under one of its required
terms, its *trigger*, by what else it needs:

- nothing else and nothing forbidden (``дрон``, ``topic:drones``): it holds as soon as
  the trigger is present — one list extension per present term;
- exactly one other term and nothing forbidden (``дрон region:kursk``): filed by that
  term, so a post finds them all with one C-level intersection of the trigger's table
  with the terms present, whatever the number of rules;
- nothing else and one forbidden term (``дрон -учения``, ``region:kursk -topic:drones``):
  filed by the forbidden term, so one look-up settles every rule that excludes it;
- anything else: checked one by one when the trigger is present.

Other rules (OR, NOT of a group) may have several triggers: each trigger present makes
them candidates, evaluated once per post. The work per post grows with the terms present
and the rules that hold, not with the number of rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from rules.compiled import CompiledRule

V = TypeVar("V")


@dataclass(slots=True)
class _Filed(Generic[V]):
    """Conjunctions sharing one trigger term."""

    alone: list[V] = field(default_factory=list)
    pairs: dict[int, list[V]] = field(default_factory=dict)  # the other required term ->
    unless: dict[int, list[V]] = field(default_factory=dict)  # the forbidden term ->
    # (required, forbidden, value) of the rest
    checked: list[tuple[frozenset[int], frozenset[int], V]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.alone or self.pairs or self.unless or self.checked)

    def table(self, others: frozenset[int], forbidden: frozenset[int]) -> dict[int, list[V]] | None:
        """Where a conjunction needing ``others`` besides the trigger and excluding
        ``forbidden`` is filed by term, if it is: ``pairs`` or ``unless``."""
        if not forbidden and len(others) == 1:
            return self.pairs
        if not others and len(forbidden) == 1:
            return self.unless
        return None


class ConditionIndex(Generic[V]):
    def __init__(self) -> None:
        self._filed: dict[int, _Filed[V]] = {}
        self._trees: dict[int, dict[V, CompiledRule]] = {}  # trigger -> rules to evaluate

    def __bool__(self) -> bool:
        return bool(self._filed or self._trees)

    def add(self, compiled: CompiledRule, value: V) -> None:
        """File ``value``, decided by ``compiled``; values must be distinct and hashable."""
        required = compiled.required
        if required is None:
            for trigger in compiled.triggers:
                self._trees.setdefault(trigger, {})[value] = compiled
            return
        [trigger] = compiled.triggers
        filed = self._filed.setdefault(trigger, _Filed())
        others, forbidden = required - {trigger}, compiled.forbidden
        table = filed.table(others, forbidden)
        if table is not None:
            [term] = others or forbidden
            table.setdefault(term, []).append(value)
        elif others or forbidden:
            filed.checked.append((required, forbidden, value))
        else:
            filed.alone.append(value)

    def remove(self, compiled: CompiledRule, value: V) -> None:
        required = compiled.required
        if required is None:
            for trigger in compiled.triggers:
                trees = self._trees[trigger]
                del trees[value]
                if not trees:
                    del self._trees[trigger]
            return
        [trigger] = compiled.triggers
        filed = self._filed[trigger]
        others, forbidden = required - {trigger}, compiled.forbidden
        table = filed.table(others, forbidden)
        if table is not None:
            [term] = others or forbidden
            values = table[term]
            values.remove(value)
            if not values:
                del table[term]
        elif others or forbidden:
            filed.checked.remove((required, forbidden, value))
        else:
            filed.alone.remove(value)
        if not filed:
            del self._filed[trigger]

    def holding(self, present: set[int]) -> list[V]:
        held: list[V] = []
        candidates: dict[V, CompiledRule] = {}
        filed_under, trees = self._filed, self._trees
        for term_id in present:
            filed = filed_under.get(term_id)
            if filed is not None:
                held += filed.alone
                pairs = filed.pairs
                if pairs:
                    for other in pairs.keys() & present:
                        held += pairs[other]
                for excluded, values in filed.unless.items():
                    if excluded not in present:
                        held += values
                for required, forbidden, value in filed.checked:
                    if required <= present and forbidden.isdisjoint(present):
                        held.append(value)
            waiting = trees.get(term_id)
            if waiting:
                candidates.update(waiting)
        held += [value for value, compiled in candidates.items() if compiled.holds(present)]
        return held
