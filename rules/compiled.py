"""One active rule compiled against the term index: how to decide it and when to try.

Contract: ``compile_rule(rule, ids)`` takes the rule and the index id of each of its
terms and returns a ``CompiledRule``:

- ``triggers``: term ids such that the rule can only hold on a post containing one of
  them. For a term it is the term; for AND, the cheapest operand's triggers (a word
  rather than a region or topic, which occur in many posts); for OR, the union of the
  operands'. NOT gives none, so a rule built around negations falls back to all its
  terms — sound because ``parse_rule`` refuses rules that hold on a post with no terms.
  The matcher evaluates a rule only when a trigger is present: the work per post grows
  with the rules that could match it, not with the number of rules.
- ``holds(present)``: a plain conjunction (``a b -c``, the common shape) is two set
  operations; a conjunction with OR groups of terms (``(a OR b) c``) one more per group;
  anything else walks the tree.
- ``positive``: the terms not under a NOT, for reporting what matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias, cast

from rules.rule import (
    TERM_TYPES,
    And,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Region,
    Rule,
    Source,
    Term,
    Topic,
    Word,
    iter_terms,
    term_text,
)

if TYPE_CHECKING:
    from collections.abc import Set as AbstractSet

# A tree of term ids: an id, or (operator, operands) with "!", "&" or "|".
Tree: TypeAlias = "int | tuple[str, tuple[Tree, ...]]"
# How broad a term of each kind is: regions and topics occur in many posts.
_Clauses: TypeAlias = "tuple[frozenset[int], frozenset[int], tuple[frozenset[int], ...]]"
_COST: dict[type, int] = {Phrase: 1, Word: 2, Prefix: 3, Source: 4, Region: 8, Topic: 8}


@dataclass(frozen=True, slots=True)
class Reported:
    """A positive term as a hit reports it."""

    term_id: int
    text: str
    region: str | None
    topic: str | None


@dataclass(frozen=True, slots=True)
class Report:
    """What a hit says: the positive terms present, their region and topic keys."""

    term_ids: tuple[int, ...]
    texts: tuple[str, ...]
    regions: tuple[str, ...]
    topics: tuple[str, ...]


def _report(found: tuple[Reported, ...]) -> Report:
    return Report(
        tuple(term.term_id for term in found),
        tuple(term.text for term in found),
        tuple(term.region for term in found if term.region is not None),
        tuple(term.topic for term in found if term.topic is not None),
    )


@dataclass(frozen=True, slots=True)
class CompiledRule:
    tree: Tree
    required: frozenset[int] | None  # set for a plain conjunction
    forbidden: frozenset[int]
    triggers: frozenset[int]
    positive: tuple[Reported, ...]
    full_report: Report  # every positive term: what a conjunction that holds reports
    # (required, forbidden, groups one term of each of which is needed) for a conjunction
    # with OR groups of terms; None for a plain conjunction and for other shapes.
    clauses: _Clauses | None = None

    def holds(self, present: AbstractSet[int]) -> bool:
        if self.required is not None:
            return self.required <= present and self.forbidden.isdisjoint(present)
        clauses = self.clauses
        if clauses is not None:
            required, forbidden, groups = clauses
            return (
                required <= present
                and forbidden.isdisjoint(present)
                and not any(map(present.isdisjoint, groups))
            )
        return _holds(self.tree, present)

    def report(self, present: AbstractSet[int]) -> Report:
        """What a hit reports, given that the rule holds."""
        if self.required is not None:
            return self.full_report
        return _report(tuple(term for term in self.positive if term.term_id in present))


def _holds(node: Tree, present: AbstractSet[int]) -> bool:
    if isinstance(node, int):
        return node in present
    operator, operands = node
    if operator == "&":
        return all(_holds(operand, present) for operand in operands)
    if operator == "|":
        return any(_holds(operand, present) for operand in operands)
    return not _holds(operands[0], present)


def _tree(node: Node, ids: dict[Term, int]) -> Tree:
    match node:
        case Not(operand):
            return ("!", (_tree(operand, ids),))
        case And(operands):
            return ("&", tuple(_tree(operand, ids) for operand in operands))
        case Or(operands):
            return ("|", tuple(_tree(operand, ids) for operand in operands))
        case _:
            return ids[node]


def _triggers(node: Node, ids: dict[Term, int]) -> tuple[int, frozenset[int]] | None:
    """(cost, trigger ids) of ``node``, or None when it has no usable triggers."""
    match node:
        case Not():
            return None
        case And(operands):
            options = [found for o in operands if (found := _triggers(o, ids)) is not None]
            return min(options, key=lambda option: option[0]) if options else None
        case Or(operands):
            parts = [_triggers(operand, ids) for operand in operands]
            if any(part is None for part in parts):
                return None
            known = [part for part in parts if part is not None]
            return sum(cost for cost, _ in known), frozenset().union(*(t for _, t in known))
        case _:
            return _COST[type(node)], frozenset({ids[node]})


def _conjunction(node: Node, ids: dict[Term, int]) -> tuple[frozenset[int], frozenset[int]] | None:
    """(required, forbidden) term ids when ``node`` is a plain AND of terms and NOT terms."""
    operands = node.operands if isinstance(node, And) else (node,)
    required, forbidden = set(), set()
    for operand in operands:
        if isinstance(operand, TERM_TYPES):
            required.add(ids[operand])
        elif isinstance(operand, Not) and isinstance(operand.operand, TERM_TYPES):
            forbidden.add(ids[operand.operand])
        else:
            return None
    return frozenset(required), frozenset(forbidden)


def _clauses(node: Node, ids: dict[Term, int]) -> _Clauses | None:
    """``node`` as (required, forbidden, OR groups) when it is an AND of terms, NOT terms
    and ORs of terms with at least one such OR."""
    if not isinstance(node, And):
        return None
    required, forbidden, groups = set(), set(), []
    for operand in node.operands:
        if isinstance(operand, TERM_TYPES):
            required.add(ids[operand])
        elif isinstance(operand, Not) and isinstance(operand.operand, TERM_TYPES):
            forbidden.add(ids[operand.operand])
        elif isinstance(operand, Or) and all(isinstance(o, TERM_TYPES) for o in operand.operands):
            groups.append(frozenset(ids[cast("Term", o)] for o in operand.operands))
        else:
            return None
    if not groups:
        return None
    return frozenset(required), frozenset(forbidden), tuple(groups)


def _reported(term: Term, term_id: int) -> Reported:
    return Reported(
        term_id,
        term_text(term),
        term.key if isinstance(term, Region) else None,
        term.key if isinstance(term, Topic) else None,
    )


def compile_rule(rule: Rule, ids: dict[Term, int]) -> CompiledRule:
    conjunction = _conjunction(rule.root, ids)
    triggers = _triggers(rule.root, ids)
    positive = dict.fromkeys(term for term, negated in iter_terms(rule.root) if not negated)
    reported = tuple(_reported(term, ids[term]) for term in positive)
    return CompiledRule(
        tree=_tree(rule.root, ids),
        required=conjunction[0] if conjunction else None,
        forbidden=conjunction[1] if conjunction else frozenset(),
        triggers=triggers[1] if triggers else frozenset(ids.values()),
        positive=reported,
        full_report=_report(reported),
        clauses=None if conjunction else _clauses(rule.root, ids),
    )
