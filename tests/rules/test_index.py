"""The index's shortcuts decide as a full analysis of every word would.

A post word is looked up among the dictionary forms of the lemmas rule words have, and
analyzed only when no dictionary knows it; the held rules are found through tables
keyed by term. Each shortcut is checked here against the slow, obvious answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from rules.compiled import CompiledRule, compile_rule
from rules.conditions import ConditionIndex
from rules.matcher import Matcher
from rules.rule import term_text
from rules.syntax import parse_rule

if TYPE_CHECKING:
    from rules.lexicon import Lexicon

RULE_WORDS = [
    "сталь",
    "стать",
    "ёлка",
    "атаковать",
    "харків",
    "химарс",
    "шахед",
    "дрон",
    "мост",
    "ґанок",
    "об'єкт",
]
POST_WORDS = [
    "стали",  # сталь and стать both
    "сталью",
    "станет",
    "статью",  # the noun стать, a homonym lexeme of the verb
    "елки",
    "ёлками",
    "атаковавший",  # a participle is a form of its verb's lexeme
    "атакованы",
    "атака",
    "харкові",
    "харкова",
    "химарсы",  # no dictionary knows these: analyzed, stemmed
    "химарсами",
    "шахедов",
    "дронами",
    "дронго",
    "мостами",
    "мостовая",
    "харьковский",
    "ганку",  # the Ukrainian dictionary takes г for ґ
    "ґанку",
    "об'єктів",
]


def _full_analysis_agrees(lexicon: Lexicon, rule_word: str, post_word: str) -> bool:
    """Whether the two words share a lemma (or are equal), by analyzing both."""
    lemmas = lexicon.morphology.lemmas
    return bool(({rule_word} | lemmas(rule_word)) & ({post_word} | lemmas(post_word)))


@pytest.mark.parametrize("rule_word", RULE_WORDS)
def test_a_word_matches_exactly_when_a_full_analysis_says_so(
    lexicon: Lexicon, rule_word: str
) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule(rule_word, lexicon))
    for post_word in POST_WORDS:
        expected = _full_analysis_agrees(lexicon, rule_word, post_word)
        assert bool(matcher.match(post_word)) is expected, (rule_word, post_word)


def test_a_word_spelt_with_g_for_ghe_matches_its_rule_word(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule("ґудзик", lexicon))
    assert matcher.match("Знайшли гудзики")  # regression: the head of "гудзи" was not known


def test_forms_of_a_removed_rule_word_stop_matching(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule("сталь", lexicon))
    matcher.add(2, parse_rule("стать", lexicon))
    assert [hit.rule_id for hit in matcher.match("стали")] == [1, 2]
    matcher.remove(1)
    assert [hit.rule_id for hit in matcher.match("стали")] == [2]
    assert not matcher.match("сталью")
    matcher.remove(2)
    assert not matcher._index._lemma_forms  # white-box: no form outlives its lemma


PREFIX_RULES = ["дро*", "дрон*", "дроно*", "дровами*", '"су 3*"', "безпілот*"]
# Post -> the rules (indices into PREFIX_RULES) whose prefixes it starts with.
PREFIX_POSTS = {
    "дро": [0],
    "дроны": [0, 1],
    "дроновод": [0, 1, 2],
    "дровами": [0, 3],  # a word equal to a prefix
    "дрожь": [0],
    "андрон": [],
    "д": [],
    "су 34": [4],  # a one-letter prefix, which only a phrase may have
    "су 43": [],
    "безпілотник": [5],
    "безпіл": [],
}


def test_a_prefix_matches_exactly_the_words_that_start_with_it(lexicon: Lexicon) -> None:
    # Prefixes of several lengths share a bucket; removing one leaves the others found.
    matcher = Matcher(lexicon)
    for rule_id, rule in enumerate(PREFIX_RULES):
        matcher.add(rule_id, parse_rule(rule, lexicon))
    for removed in range(-1, len(PREFIX_RULES)):
        matcher.remove(removed)  # -1: none
        for post, expected in PREFIX_POSTS.items():
            kept = [rule_id for rule_id in expected if rule_id > removed]
            assert [hit.rule_id for hit in matcher.match(post)] == kept, (removed, post)
    assert not matcher._index._prefixes  # white-box: no bucket outlives its prefixes


# Rule words no dictionary knows, and post words whose guesses may or may not meet them.
GUESSED_RULE_WORDS = ["химарс", "хаймарс", "шахед", "ультрачеловек", "новосветловка"]
GUESSED_POSTS = ["химарсами", "химарсофт", "хаймарсів", "шахедов", "шахедята", "ультралюдей"]
GUESSED_POSTS += ["новосветловкою", "новосветловками", "краснокамянку", "дронами"]


def test_a_rule_on_a_guessed_word_added_after_posts_matches_its_forms(lexicon: Lexicon) -> None:
    # Posts seen first fill the word caches while no rule word could meet their guesses;
    # a rule added later must still meet them, as a full analysis says.
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule("дрон", lexicon))
    for post in GUESSED_POSTS:
        matcher.match(post)
    matched = 0
    for rule_id, rule_word in enumerate(GUESSED_RULE_WORDS, start=2):
        matcher.add(rule_id, parse_rule(rule_word, lexicon))
        for post in GUESSED_POSTS:
            expected = _full_analysis_agrees(lexicon, rule_word, post)
            hit = rule_id in [hit.rule_id for hit in matcher.match(post)]
            assert hit is expected, (rule_word, post)
            matched += hit
        matcher.remove(rule_id)
        assert all(
            rule_id not in [hit.rule_id for hit in matcher.match(post)] for post in GUESSED_POSTS
        )
    assert matched >= 5


def _compiled(lexicon: Lexicon, text: str, ids: dict[str, int]) -> CompiledRule:
    rule = parse_rule(text, lexicon)
    return compile_rule(rule, {term: ids[term_text(term)] for term in rule.terms})


@pytest.mark.parametrize(
    ("rule", "present", "holds"),
    [
        ("a", {"a"}, True),
        ("a b", {"a", "b"}, True),
        ("a b", {"a"}, False),
        ("a b c", {"a", "b"}, False),
        ("a b c", {"a", "b", "c"}, True),
        ("a -b", {"a"}, True),
        ("a -b", {"a", "b"}, False),
        ("a OR b", {"a", "b"}, True),  # two triggers present: held once
        ("(a OR b) c", {"b", "c"}, True),
        ("(a OR b) c", {"a", "b"}, False),
        ("a -(b c)", {"a", "b"}, True),
        ("a -(b c)", {"a", "b", "c"}, False),
    ],
)
def test_condition_index_holds_what_the_rule_tree_holds(
    lexicon: Lexicon, rule: str, present: set[str], holds: bool
) -> None:
    ids = {"a": 1, "b": 2, "c": 3}
    index: ConditionIndex[str] = ConditionIndex()
    compiled = _compiled(lexicon, rule, ids)
    other = _compiled(lexicon, "c", ids)
    index.add(compiled, "rule")
    index.add(other, "other")
    held = index.holding({ids[name] for name in present})
    assert held.count("rule") == int(holds)
    index.remove(compiled, "rule")
    index.remove(other, "other")
    assert not index
