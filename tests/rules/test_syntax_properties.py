"""Properties of the parser: it fails only with RuleSyntaxError, and canonical forms round-trip."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rules.rule import (
    And,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Region,
    Rule,
    Source,
    Topic,
    Word,
    evaluate,
)
from rules.syntax import RuleSyntaxError, parse_rule

if TYPE_CHECKING:
    from rules.lexicon import Lexicon

_PIECES = st.sampled_from(
    [
        "дрон",
        "БПЛА",
        "Курск",
        "drones",
        "п’ять",
        "Су-34",
        "XИМАРС",
        "ёж",
        "дрон*",
        "a*",
        "*",
        "AND",
        "and",
        "OR",
        "or",
        "|",
        "NOT",
        "not",
        "-",
        "—",
        "(",
        ")",
        '"',
        "«",
        "»",
        '"мост через"',
        "region:kursk",
        "region:Курщина",
        "region:",
        "region:kursq",
        "topic:drones",
        "topic:",
        "source:@kursk_gov",
        "source:",
        "source:example.com/feed",
        "regoin:x",
        "10:30",
        "!",
        ",",
        "-(",
        "--",
        "\u0306",
        "½",
        "_",
        "'",
        "::",
    ]
)
_SEPARATORS = st.sampled_from(["", " ", "  ", "\n", "\t"])
_RULE_TEXTS = st.lists(st.tuples(_PIECES, _SEPARATORS), max_size=14).map(
    lambda parts: "".join(piece + separator for piece, separator in parts)
)
_SETTINGS = settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])


def _parse_or_none(text: str, lexicon: Lexicon) -> Rule | None:
    error: RuleSyntaxError | None = None
    try:
        return parse_rule(text, lexicon)
    except RuleSyntaxError as raised:
        error = raised
    assert 0 <= error.position <= len(text)
    assert str(error)
    return None


@_SETTINGS
@given(st.text(max_size=600))
@example("(" * 600)
@example("-" * 400 + "a")
@example("NOT " * 120 + "a")
def test_any_text_parses_or_raises_rule_syntax_error(lexicon: Lexicon, text: str) -> None:
    _parse_or_none(text, lexicon)


@_SETTINGS
@given(_RULE_TEXTS)
def test_canonical_form_round_trips(lexicon: Lexicon, text: str) -> None:
    rule = _parse_or_none(text, lexicon)
    if rule is not None:
        again = parse_rule(rule.canonical, lexicon)
        assert again == rule
        assert again.canonical == rule.canonical


_WORDS = st.sampled_from(["дрон", "бпла", "курск", "or", "and", "п'ять", "34", "drone"])
_TERMS: st.SearchStrategy[Node] = st.one_of(
    _WORDS.map(Word),
    st.sampled_from(["дрон", "атак", "безпілот"]).map(Prefix),
    st.lists(st.one_of(_WORDS.map(Word), st.just(Prefix("атак"))), min_size=2, max_size=3).map(
        lambda parts: Phrase(tuple(parts))
    ),
    st.sampled_from(["kursk", "belgorod"]).map(Region),
    st.sampled_from(["drones", "shelling"]).map(Topic),
    st.sampled_from(["@kursk_gov", "example.com/feed"]).map(Source),
)


def _flatten(kind: type[And] | type[Or], operands: list[Node]) -> Node:
    flat: list[Node] = []
    for operand in operands:
        flat.extend(operand.operands if isinstance(operand, kind) else (operand,))
    return kind(tuple(flat))


_TREES = st.recursive(
    _TERMS,
    lambda children: st.one_of(
        children.filter(lambda node: not isinstance(node, Not)).map(Not),
        st.lists(children, min_size=2, max_size=3).map(lambda ops: _flatten(And, ops)),
        st.lists(children, min_size=2, max_size=3).map(lambda ops: _flatten(Or, ops)),
    ),
    max_leaves=12,
)


@_SETTINGS
@given(_TREES)
def test_every_normalized_tree_prints_to_itself(lexicon: Lexicon, root: Node) -> None:
    rule = Rule(root)
    if evaluate(root, lambda _term: False):
        with pytest.raises(RuleSyntaxError, match="only exclusions"):
            parse_rule(rule.canonical, lexicon)
    else:
        assert parse_rule(rule.canonical, lexicon) == rule
