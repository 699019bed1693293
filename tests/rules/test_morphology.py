"""Lemmas, and the known pymorphy3 traps: each one a test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from rules.stemmer import english_stem

if TYPE_CHECKING:
    from rules.lexicon import Lexicon


def test_acronym_keeps_its_surface_not_the_verb_bpnut(lexicon: Lexicon) -> None:
    # pymorphy3's Russian guesser makes "БПЛА" a form of the verb "бпнуть".
    assert lexicon.morphology.lemmas("бпла", acronym=True) == {"бпла"}
    assert "бпнуть" not in lexicon.morphology.lemmas("бпла")


def test_acronyms_still_get_dictionary_lemmas(lexicon: Lexicon) -> None:
    # "ДРОНЫ" in a capitals headline is the plural of дрон, not an acronym to keep as is.
    assert "дрон" in lexicon.morphology.lemmas("дроны", acronym=True)
    assert lexicon.morphology.lemmas("шахеды", acronym=True) == {"шахеды"}  # never guessed


def test_guessed_verbs_are_not_lemmas(lexicon: Lexicon) -> None:
    assert "бпнуть" not in lexicon.morphology.lemmas("бплы")


def test_kurskoy_is_the_adjective_not_the_city(lexicon: Lexicon) -> None:
    # So a region is never found by lemmatizing the post: the gazetteer lists forms.
    assert lexicon.morphology.lemmas("курской") == {"курский"}


def test_kharkovi_has_the_bogus_lemma_kharko(lexicon: Lexicon) -> None:
    lemmas = lexicon.morphology.lemmas("харкові")
    assert "харко" in lemmas
    assert "харків" in lemmas


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("беспилотников", "беспилотник"),
        ("безпілотників", "безпілотник"),
        ("дрони", "дрон"),
        ("дронов", "дрон"),
        ("курске", "курск"),
        ("области", "область"),
        ("області", "область"),
        ("ёлки", "елка"),  # dictionary lemmas are folded like text
        ("шахеды", "шахед"),  # unknown to both dictionaries: a guessed noun
    ],
)
def test_lemmas(lexicon: Lexicon, word: str, lemma: str) -> None:
    assert lemma in lexicon.morphology.lemmas(word)


def test_ambiguous_forms_keep_every_dictionary_lemma(lexicon: Lexicon) -> None:
    assert {"стать", "сталь"} <= lexicon.morphology.lemmas("стали")


def test_unknown_words_and_numbers_are_their_own_lemma(lexicon: Lexicon) -> None:
    assert lexicon.morphology.lemmas("34") == {"34"}
    assert "qwxz" in lexicon.morphology.lemmas("qwxz")


def test_lemmas_are_cached(lexicon: Lexicon) -> None:
    first = lexicon.morphology.lemmas("беспилотника")
    assert lexicon.morphology.lemmas("беспилотника") is first


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("drones", "drone"),
        ("attacked", "attack"),
        ("attacking", "attacks"),
        ("cities", "city"),
        ("shelling", "shell"),
        ("stopped", "stop"),
        ("strikes", "striking"),
    ],
)
def test_english_stem_joins_forms(a: str, b: str) -> None:
    assert english_stem(a) == english_stem(b)


@pytest.mark.parametrize(("a", "b"), [("news", "new"), ("bus", "bu"), ("kursk", "kursky")])
def test_english_stem_keeps_words_apart(a: str, b: str) -> None:
    assert english_stem(a) != english_stem(b)
