"""Built-in topics: they load, every term is a valid rule-language term."""

from __future__ import annotations

from functools import cache
from typing import Any

import pymorphy3  # type: ignore[import-untyped]
import pytest

from rules.lexicon import Lexicon
from rules.matcher import Matcher
from rules.syntax import parse_rule
from rules.text import fold
from rules.topics import Topics, is_valid_term


@cache
def topics() -> Topics:
    return Topics.load()


REQUIRED = {
    "drones", "missiles", "shelling", "air-raid", "explosions", "air-defence", "himars",
    "infrastructure", "evacuation", "casualties",
}  # fmt: skip


def test_required_topics_exist() -> None:
    assert set(topics().keys()) >= REQUIRED
    assert list(topics().keys()) == sorted(topics().keys())


def test_every_term_is_a_non_empty_valid_term() -> None:
    keys = topics().keys()
    for key in keys:
        terms = topics().terms(key)
        assert terms, key
        for term in terms:
            assert term.strip() == term, (key, term)
            assert term.strip('"*'), (key, term)
            assert is_valid_term(term), (key, term)


@pytest.mark.parametrize(
    ("key", "term"),
    [
        ("drones", "дрон"),
        ("drones", "БПЛА"),
        ("drones", "беспилотник*"),
        ("drones", "безпілотник*"),
        ("drones", "UAV"),
        ("drones", "Shahed*"),
        ("drones", "Герань"),
        ("himars", "HIMARS"),
        ("himars", "РСЗО"),
        ("himars", "ATACMS"),
        ("himars", '"РСЗО Град"'),
        ("air-raid", '"повітряна тривога"'),
    ],
)
def test_topic_contains(key: str, term: str) -> None:
    assert term in topics().terms(key)


@pytest.mark.parametrize("word", ["град", "Град", "ураган", "смерч"])
def test_weather_words_are_not_bare_terms(word: str) -> None:
    # "град" is hail, "ураган"/"смерч" are storms: only phrases like "РСЗО Град".
    keys = topics().keys()
    assert all(word not in topics().terms(key) for key in keys)


@pytest.mark.parametrize(
    ("term", "valid"),
    [
        ("дрон", True),
        ("дрон*", True),
        ('"мост через Сейм"', True),
        ('"Х-101"', True),
        ("Kurs'k", True),
        ("", False),
        ("*", False),
        ('""', False),
        ("a b", False),
        ("-дрон", False),
        ("OR", False),
        ('"unclosed', False),
        ("дрон**", False),
    ],
)
def test_is_valid_term(term: str, valid: bool) -> None:
    assert is_valid_term(term) is valid


def test_resolve_suggest_display() -> None:
    t = topics()
    assert t.resolve("Air_Raid") == "air-raid"
    assert t.resolve("Беспилотники") == "drones"
    assert t.resolve("nothing") is None
    assert t.suggest("drone") == "drones"
    assert t.suggest("himar") == "himars"
    assert t.suggest("") is None
    assert t.display_name("drones", "uk") == "Безпілотники"
    assert t.display_name("drones", "fr") == "Drones"


@cache
def analyzers() -> tuple[Any, ...]:
    return tuple(pymorphy3.MorphAnalyzer(lang=lang) for lang in ("ru", "uk"))


def dictionary_lemmas(prefix: str) -> set[str]:
    """Lemmas of every ru/uk dictionary word that starts with ``prefix``."""
    lemmas = set()
    for analyzer in analyzers():
        for word in analyzer.dictionary.words.keys(prefix):
            lemmas |= {parse.normal_form for parse in analyzer.parse(word) if parse.is_known}
    return {fold(lemma) for lemma in lemmas if fold(lemma).startswith(prefix)}


@pytest.mark.parametrize("key", sorted(REQUIRED))
def test_no_word_outside_the_topic_shares_a_prefix(key: str) -> None:
    for term, declared in topics().prefixes(key).items():
        prefix = fold(term.rstrip("*"))
        assert dictionary_lemmas(prefix) <= set(declared), term


@pytest.mark.parametrize(
    ("word", "topic"),
    [("дронго", "drones"), ("Дронова", "drones"), ("Фаберже", "missiles"), ("geranium", "drones")],
)
def test_words_that_only_share_a_prefix_are_not_the_topic(word: str, topic: str) -> None:
    lexicon = Lexicon.load()
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule(f"topic:{topic}", lexicon))
    assert matcher.match(f"Вчера {word} снова попал в новости") == []


def test_a_prefix_term_must_be_declared() -> None:
    bad = {"topic": {"x": {"en": "X", "ru": "X", "uk": "X", "terms": ["дрон*"]}}}
    with pytest.raises(ValueError, match="declared"):
        Topics.from_toml(bad)


def test_malformed_data_is_rejected() -> None:
    bad = {"topic": {"x": {"en": "X", "ru": "X", "uk": "X", "terms": ["a OR b"]}}}
    with pytest.raises(ValueError, match="malformed"):
        Topics.from_toml(bad)
