"""Built-in topics: they load, every term is a valid rule-language term."""

from __future__ import annotations

from functools import cache

import pytest

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
        ("drones", "дрон*"),
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


def test_malformed_data_is_rejected() -> None:
    bad = {"topic": {"x": {"en": "X", "ru": "X", "uk": "X", "terms": ["a OR b"]}}}
    with pytest.raises(ValueError, match="malformed"):
        Topics.from_toml(bad)
