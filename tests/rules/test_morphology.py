"""Word forms as a user meets them: a rule word matches its inflected forms, and the
known pymorphy3 traps never make a rule fire. Each trap is a test.

These assert what the matcher does with a word, never which lemma a dictionary guesses
for a word it does not know: that guess may change with any dictionary release.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from rules.check import check
from rules.morphology import Morphology, has_cyrillic
from rules.stemmer import english_stem
from rules.text import normalize_word, raw_words
from tests.rules.standins import stand_in_lexicon

if TYPE_CHECKING:
    from collections.abc import Set

    from rules.lexicon import Lexicon


def matches(lexicon: Lexicon, rule: str, text: str) -> bool:
    (result,) = check(rule, [{"text": text}], lexicon)
    return bool(result["matched"])


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("беспилотник", "Уничтожено 12 беспилотников"),
        ("безпілотник", "Збито п'ять безпілотників"),
        ("дрон", "Дрони атакували Суми"),
        ("дрон", "Сбито восемь дронов"),
        ("Курск", "Взрывы в Курске"),
        ("область", "Обстрел Курской области"),
        ("область", "Обстріл Сумської області"),
        ("елка", "Ёлки во дворе"),  # ё = е in dictionary forms too
        ("Харків", "Вибухи у Харкові"),
    ],
)
def test_a_word_matches_its_inflected_forms(lexicon: Lexicon, rule: str, text: str) -> None:
    assert matches(lexicon, rule, text)


def test_an_acronym_is_not_read_as_a_guessed_verb(lexicon: Lexicon) -> None:
    # pymorphy3's guesser makes "БПЛА" a form of the verb "бпнуть".
    assert matches(lexicon, "БПЛА", "Отражена атака БПЛА")
    assert not matches(lexicon, "БПЛА", "Ворона бпнула ветку")
    assert not matches(lexicon, "бпнуть", "Отражена атака БПЛА")


def test_capitals_headline_words_still_inflect(lexicon: Lexicon) -> None:
    # "ДРОНЫ" in a capitals headline is the plural of дрон, not an acronym to keep as is.
    assert matches(lexicon, "дрон", "ДРОНЫ НАД ГОРОДОМ")


def test_the_region_adjective_is_not_the_city(lexicon: Lexicon) -> None:
    # A region is found through the gazetteer's forms, never by lemmatizing the post.
    assert not matches(lexicon, "Курск", "Курская битва 1943 года")


def test_a_bogus_dictionary_lemma_is_no_place(lexicon: Lexicon) -> None:
    # pymorphy3 gives "Харкові" a second normal form "харко"; no rule about Kharkiv
    # may depend on it, and the word rule "харко" is not a name of the city.
    assert matches(lexicon, "region:kharkiv", "Вибухи у Харкові")
    assert not matches(lexicon, "region:kharkiv", "Харко")


def test_ambiguous_forms_match_every_dictionary_reading(lexicon: Lexicon) -> None:
    assert matches(lexicon, "сталь", "Цены на стали выросли")
    assert matches(lexicon, "стать", "Они стали сильнее")


@pytest.mark.parametrize(("rule", "text"), [("34", "Сбиты 34 дрона"), ("qwxz", "qwxz attack")])
def test_numbers_and_unknown_latin_words_match_themselves(
    lexicon: Lexicon, rule: str, text: str
) -> None:
    assert matches(lexicon, rule, text)


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


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("химарс", "ВСУ получили новые Химарсы"),
        ("химарс", "Удар химарсов по мосту"),
        ("химарсы", "Уничтожен химарс"),
        ("мавик", "Передали бригаде 20 Мавиков"),
        ("хаймарс", "Знищено два хаймарсів"),
    ],
)
def test_a_word_no_dictionary_knows_still_inflects(lexicon: Lexicon, rule: str, text: str) -> None:
    assert matches(lexicon, rule, text)


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("химарс", "Компания Химарсофт выпустила обновление"),  # another unknown word
        ("БПЛА", "Ворона бпнула ветку"),  # acronyms get no stem
        ("Курск", "Курская битва 1943 года"),  # known words get no stem
    ],
)
def test_the_stem_fallback_joins_no_other_word(lexicon: Lexicon, rule: str, text: str) -> None:
    assert not matches(lexicon, rule, text)


def test_without_the_fallback_an_unknown_word_keeps_its_surface() -> None:
    plain = stand_in_lexicon(Morphology.load(stem_unknown=False))
    assert not matches(plain, "химарс", "ВСУ получили новые Химарсы")


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("человек", "Эвакуированы сто людей"),  # another stem in the same lexeme
        ("хороший", "Стало лучше"),
        ("drone", "The droning noise"),  # Latin forms are not listed: a shorter head
        ("химарс", "Подбит химарсами"),  # unknown words: heads of the stem
    ],
)
def test_words_the_index_does_not_lemmatize_still_reach_every_form(
    lexicon: Lexicon, rule: str, text: str
) -> None:
    assert matches(lexicon, rule, text)


def test_heads_cover_every_form_of_a_lexeme() -> None:
    heads = Morphology.load().heads("человек")
    assert {"челов", "люди", "людей"} <= heads


def test_a_stem_is_its_word_cut_short() -> None:
    """The index stems a post word only when some rule word's stem begins it: sound
    only while every stem is a beginning of its word."""
    morphology = Morphology.load()
    words = ["химарсами", "хаймарсів", "мавиков", "нежнейшими", "длинный", "кременевкам"]
    words += ["новосветловкою", "стерлітамакові", "бесконечность", "ёлками".replace("ё", "е")]
    for word in words:
        stem = morphology.stem(word)
        assert stem.startswith("^")
        assert word.startswith(stem[1:])
        assert len(stem) > 1


def test_a_post_word_whose_stem_no_rule_has_is_matched_as_before(lexicon: Lexicon) -> None:
    # "Химарсофт" begins with the rule word's stem but is another word (see above);
    # "Кременевкам" begins with no rule stem, so it is never stemmed.
    assert not matches(lexicon, "химарс", "Кременевкам и Химарсофт передали привет")
    assert matches(lexicon, "химарс Кременевка*", "Кременевкам передали химарсы")


@pytest.mark.parametrize(
    ("word", "known"),
    [
        ("ёжик", True),  # as the dictionary spells it
        ("ежик", True),  # е for ё: only the dictionary's substitutions find it
        ("гудзик", True),  # г for ґ, in the Ukrainian dictionary
        ("ґудзик", True),
        ("химарсы", False),
        ("шахед", False),
    ],
)
def test_a_dictionary_word_is_known_however_its_e_and_ghe_are_spelt(word: str, known: bool) -> None:
    # A known word's lemmas come from the index's filed forms; an unknown one is guessed.
    assert Morphology.load().is_known(word) is known


# Words no dictionary knows whose guesses change more than their last letters: a prefix
# read off before a dictionary word (with its suppletive lemma), ґ guessed for г, vowel
# alternations, a known prefix, a paradigm prefix, and plain suffix guesses.
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
GAZETTEER = ROOT / "rules" / "data" / "gazetteer.json"
HARD_GUESSES = ["ультралюдей", "мегалюдей", "клюдей", "агризі", "дежі", "юігор", "юіграми"]
HARD_GUESSES += ["антихимарсы", "подхимарсы", "химарсами", "хаймарсів", "шахедята"]
HARD_GUESSES += ["новосветловкою", "краснокамянку", "балтазаровками", "нижнесортымский"]


def _unknown_words(shared_fixtures: Path, morphology: Morphology) -> list[str]:
    """Cyrillic words of the saved feeds and pages, the rule corpora and the gazetteer's
    place forms (most of which no dictionary knows)."""
    paths = [*shared_fixtures.rglob("*.*"), *DATA.rglob("*.jsonl"), GAZETTEER]
    texts = []
    for path in paths:
        data = path.read_bytes()
        try:
            texts.append(data.decode())
        except UnicodeDecodeError:
            texts.append(data.decode("cp1251"))  # the two windows-1251 feeds
    found = {w for text in texts for raw in raw_words(text) for w in normalize_word(raw)}
    found |= set(HARD_GUESSES)
    return sorted(w for w in found if has_cyrillic(w) and not morphology.is_known(w))


def test_a_word_is_guessed_whenever_a_guess_of_it_could_be_reached(
    shared_fixtures: Path,
) -> None:
    # may_guess may skip the guessers only when no guess can be a string it is told
    # matters; told exactly the word's own guessed lemmas and stems, it must say True.
    morphology = Morphology.load()
    words = _unknown_words(shared_fixtures, morphology)
    assert len(words) > 1_000
    skipped = 0
    for word in words:
        unstemmed, to_stem = morphology.lemmas_to_stem(word)
        lemmas = unstemmed - {word}
        stems = {morphology.stem(one)[1:] for one in to_stem - {word}}

        def reaches(beginning: str, lemmas: Set[str] = lemmas, stems: Set[str] = stems) -> bool:
            return any(one.startswith(beginning) for one in lemmas | stems) or any(
                beginning.startswith(stem) for stem in stems
            )

        guesses = lemmas | stems
        if guesses:
            assert morphology.may_guess(word, reaches), (word, guesses)
        skipped += not morphology.may_guess(word, lambda _beginning: False)
    assert skipped > len(words) // 4  # the shortcut does skip many words


class _AnalyzerOfAnotherRelease:
    """A pymorphy3 analyzer whose private parts are laid out otherwise: its public
    attributes only."""

    def __init__(self, analyzer: object) -> None:
        self._analyzer = analyzer

    def __getattr__(self, name: str) -> object:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._analyzer, name)


def test_without_the_internals_it_reads_every_unknown_word_is_guessed() -> None:
    loaded = Morphology.load()
    shortcut_off = Morphology(
        (_AnalyzerOfAnotherRelease(analyzer) for analyzer in loaded._analyzers),
        loaded._stemmer,
    )
    assert not loaded.may_guess("шахедята", lambda _beginning: False)
    assert shortcut_off.may_guess("шахедята", lambda _beginning: False)
    assert shortcut_off.lemmas_to_stem("шахедята") == loaded.lemmas_to_stem("шахедята")
