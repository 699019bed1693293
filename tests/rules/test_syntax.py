"""The rule language's grammar: canonical forms, precedence, errors, limits, round trips."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from rules.rule import And, Not, Or, Phrase, Prefix, Region, Source, Topic, Word
from rules.syntax import MAX_LENGTH, MAX_TERMS, RuleSyntaxError, parse_rule

if TYPE_CHECKING:
    from rules.lexicon import Lexicon


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("беспилотник", "беспилотник"),
        ("Беспилотник", "беспилотник"),
        ("ЁЖ", "еж"),
        ("XИМАРС", "химарс"),
        ('"мост через Сейм"', '"мост через сейм"'),
        ("«мост через Сейм»", '"мост через сейм"'),  # typographic quotes from phones
        ("“мост через Сейм”", '"мост через сейм"'),
        ('"дрон"', "дрон"),  # a quoted single word is the word
        ("дрон*", "дрон*"),
        ('"дрон* атак*"', '"дрон* атак*"'),
        ("a b", "a b"),
        ("a AND b", "a b"),
        ("a and b", "a b"),
        ("a OR b", "a OR b"),
        ("a or b", "a OR b"),
        ("a | b", "a OR b"),
        ("a|b", "a OR b"),
        ("-a b", "-a b"),
        ("NOT a b", "-a b"),
        ("not a b", "-a b"),
        ("—a b", "-a b"),  # an em dash typed by a phone is a minus
        ("-(a b) c", "-(a b) c"),
        ('-"a b" c', '-"a b" c'),
        ("--a", "a"),  # double negation cancels
        ("NOT -a", "a"),
        ("дрон OR БПЛА Курск", "(дрон OR бпла) курск"),
        ("(дрон OR БПЛА) Курск", "(дрон OR бпла) курск"),
        ("дрон OR (БПЛА Курск)", "дрон OR (бпла курск)"),
        ("a OR b OR c", "a OR b OR c"),
        ("(a OR b) OR c", "a OR b OR c"),
        ("((a b) c)", "a b c"),
        ("a -b OR c", "a (-b OR c)"),
        ("region:kursk", "region:kursk"),
        ("REGION:Kursk", "region:kursk"),
        ("region:Курщина", "region:kursk"),
        ('region:"Курская область" дрон', "region:kursk дрон"),
        ("topic:drones", "topic:drones"),
        ("topic:Drones", "topic:drones"),
        ("source:@Kursk_Gov", "source:@kursk_gov"),
        ("source:kursk_gov", "source:@kursk_gov"),
        ("source:https://t.me/s/kursk_gov", "source:@kursk_gov"),
        ("source:t.me/kursk_gov", "source:@kursk_gov"),
        ("source:https://www.Example.com/feed/", "source:example.com/feed"),
        ("source:example.com", "source:example.com"),
        ("Су-34", '"су 34"'),
        ('"OR"', '"or"'),  # a keyword searched for as a word stays quoted
        ("дрон, Курск", "дрон курск"),  # punctuation glued to words is dropped
        ("10:30 взрыв", '"10 30" взрыв'),  # not a field: a phrase
        ("п’ять", "п'ять"),
    ],
)
def test_canonical_form(lexicon: Lexicon, text: str, canonical: str) -> None:
    rule = parse_rule(text, lexicon)
    assert rule.canonical == canonical
    assert parse_rule(rule.canonical, lexicon) == rule


def test_precedence_is_not_then_or_then_and(lexicon: Lexicon) -> None:
    rule = parse_rule("дрон OR БПЛА Курск -учения", lexicon)
    assert rule.root == And((Or((Word("дрон"), Word("бпла"))), Word("курск"), Not(Word("учения"))))


def test_terms_and_keys(lexicon: Lexicon) -> None:
    rule = parse_rule(
        'topic:drones region:kursk OR region:belgorod source:@a "мост через" дрон* -x',
        lexicon,
    )
    assert rule.regions == ("kursk", "belgorod")
    assert rule.topics == ("drones",)
    assert rule.sources == ("@a",)
    assert rule.terms == (
        Topic("drones"),
        Region("kursk"),
        Region("belgorod"),
        Source("@a"),
        Phrase((Word("мост"), Word("через"))),
        Prefix("дрон"),
        Word("x"),
    )


def test_rules_are_immutable_and_hashable(lexicon: Lexicon) -> None:
    rule = parse_rule("a b", lexicon)
    with pytest.raises(AttributeError):
        rule.root = Word("c")  # type: ignore[misc]
    assert {rule, parse_rule("A AND B", lexicon)} == {rule}


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("", 0, "empty rule"),
        ("   ", 0, "empty rule"),
        ('дрон "мост через', 5, "unclosed quote at 6"),
        ("region:kursq", 0, "unknown region 'kursq' at 1 — did you mean 'kursk'?"),
        ("дрон region:zzzzzzzz", 5, "unknown region 'zzzzzzzz' at 6 — the closest keys are "),
        ("topic:dron", 0, "unknown topic 'dron' at 1 — did you mean 'drones'?"),
        ("topic:zzzzzz", 0, "known topics: drones, shelling"),
        ("regoin:kursk", 0, "unknown field 'regoin:' at 1 — did you mean 'region:'?"),
        ("region:", 0, "region: needs a value"),
        ("source:@bad!name", 0, "source '@bad!name' at 1 is neither a channel nor a feed"),
        ("NOT", 0, "NOT at 1 needs something after it"),
        ("дрон NOT", 5, "NOT at 6 needs something after it"),
        ("дрон -", 5, "needs a term right after it"),
        ("дрон - учения", 5, "needs a term right after it"),
        ("дрон OR", 5, "OR at 6 needs something after it"),
        ("OR дрон", 0, "OR at 1 needs something before it"),
        ("дрон AND", 5, "AND at 6 needs something after it"),
        ("дрон AND OR x", 5, "AND at 6 needs something after it"),
        ("(дрон", 0, "unclosed '(' at 1"),
        ("дрон)", 4, "')' at 5 has no matching '('"),
        ("дрон ()", 5, "empty parentheses at 6"),
        ("др*н", 2, "'*' at 3 can only end a word"),
        ("д*", 0, "prefix 'д*' at 1 is too short"),
        ("!!!", 0, "'!!!' at 1 has no letters or digits"),
        ('""', 0, "empty quotes"),
        ("-учения", 0, "only exclusions"),
        ("NOT учения NOT маневры", 0, "only exclusions"),
        ("дрон OR -учения", 0, "only exclusions"),
        ("-(-дрон OR -бпла)", 0, None),  # = дрон AND бпла: allowed, see below
        ("(" * 11 + "a" + ")" * 11, 10, "too many nested parentheses"),
    ],
)
def test_errors_point_at_the_place(
    lexicon: Lexicon, text: str, position: int, message: str | None
) -> None:
    if message is None:
        assert parse_rule(text, lexicon).canonical == "-(-дрон OR -бпла)"
        return
    with pytest.raises(RuleSyntaxError) as raised:
        parse_rule(text, lexicon)
    assert raised.value.position == position
    assert message in str(raised.value)


def test_length_limit(lexicon: Lexicon) -> None:
    parse_rule("a" * MAX_LENGTH, lexicon)
    with pytest.raises(RuleSyntaxError, match="too long: 501 characters") as raised:
        parse_rule("a" * (MAX_LENGTH + 1), lexicon)
    assert raised.value.position == MAX_LENGTH


def test_term_limit(lexicon: Lexicon) -> None:
    parse_rule(" ".join(["a"] * MAX_TERMS), lexicon)
    with pytest.raises(RuleSyntaxError, match="too many terms") as raised:
        parse_rule(" ".join(["a"] * (MAX_TERMS + 1)), lexicon)
    assert raised.value.position == 2 * MAX_TERMS


def test_syntax_error_is_a_value_error() -> None:
    assert issubclass(RuleSyntaxError, ValueError)


def test_phrase_of_hyphenated_word_keeps_prefix(lexicon: Lexicon) -> None:
    assert parse_rule("су-34*", lexicon).root == Phrase((Word("су"), Prefix("34")))
