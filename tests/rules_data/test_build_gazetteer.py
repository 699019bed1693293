"""The gazetteer build's helpers: inflection, ambiguity checks, source parsing.

The full build (tools/build_gazetteer.py) takes ~15 s and is run by hand; these tests
pin the decisions it is made of.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from types import ModuleType

TOOL = Path(__file__).resolve().parents[2] / "tools" / "build_gazetteer.py"


@cache
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_gazetteer", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


@cache
def morph() -> Any:
    return tool().Morph()


@pytest.mark.parametrize(
    ("name", "lang", "expected", "unexpected"),
    [
        (
            "Курская область",
            "ru",
            {"курской области", "курскую область", "курской областью"},
            set(),
        ),
        ("Курська область", "uk", {"курської області", "курській області"}, {"курської область"}),
        ("Старый Оскол", "ru", {"старого оскола", "старом осколе"}, {"старого оскол"}),
        ("Красная Яруга", "ru", {"красной яруге", "красную яругу"}, set()),
        ("Харків", "uk", {"харкові", "харкова", "харковом"}, set()),
        ("Суджа", "ru", {"суджи", "судже", "суджей"}, set()),
        ("Орёл", "ru", {"орла", "орле"}, {"орлы"}),
        ("Свободный", "ru", {"свободного"}, {"свободнейший"}),
        ("Сумы", "ru", {"сумах", "сум"}, set()),
    ],
)
def test_inflect(name: str, lang: str, expected: set[str], unexpected: set[str]) -> None:
    forms = morph().inflect(name, lang)
    assert expected <= forms
    assert not unexpected & forms


@pytest.mark.parametrize(
    ("form", "name", "lang", "guard"),
    [
        ("шахты", "Шахты", "ru", "capital"),
        ("суджи", "Суджа", "ru", None),
        ("курск", "Курск", "ru", None),
        ("мені", "Мена", "uk", "proper"),
        ("харкові", "Харків", "uk", None),
        # "Вовчанську громаду" is the adjective: still the place, and capitalized.
        ("вовчанську", "Вовчанськ", "uk", "capital"),
        # Regression: "в ботаническом саду" named Sumy Oblast (the village Сад).
        ("саду", "Сад", None, "capital"),
        ("строителя", "Строитель", None, "capital"),
        # A form read in both languages, whatever the name's: a Russian adjective.
        ("разумного", "Разумне", "uk", "capital"),
        # The genitive of Українськ is the adjective "Ukrainian".
        ("українська", "Українськ", "uk", "capital"),
        ("правий берег", "Правий Берег", "uk", "capital"),
        ("старый оскол", "Старый Оскол", "ru", None),
        ("sudzha", "Sudzha", None, None),
    ],
)
def test_collision(form: str, name: str, lang: str | None, guard: str | None) -> None:
    assert morph().collision(form, name, lang) == guard


@pytest.mark.parametrize(
    ("name", "person"),
    [("Чехов", True), ("Анна", True), ("Курск", False), ("Суджа", False), ("Ромны", False)],
)
def test_is_person(name: str, person: bool) -> None:
    assert morph().is_person(name) is person


def test_parse_place() -> None:
    place = tool().parse_place("Тёткино | Тьоткіно | Tyotkino; Tetkino")
    assert place.ru == ("Тёткино",)
    assert place.uk == ("Тьоткіно",)
    assert place.en == ("Tyotkino", "Tetkino")
    assert place.hand
    with pytest.raises(SystemExit):
        tool().parse_place("Суджа | Sudzha")


def test_fold_and_variants() -> None:
    assert tool().fold("  Орёл’s  Курская—область ") == "орел's курская область"
    assert tool().ascii_fold("L’govskiy Orël") == "Lgovskiy Orel"
    variants = tool().with_variants({"куп'янськ", "курской области"})
    assert {"купянськ", "курской обл"} <= variants


def test_derived_english() -> None:
    assert tool().derived_english("Kursk Oblast") == ["Kursk Region", "Kursk obl"]
    assert tool().derived_english("Krasnodar Krai") == ["Krasnodar Territory", "Krasnodar Region"]
    assert tool().derived_english("Crimea") == []


@pytest.mark.parametrize(
    ("word", "proper"),
    [("харків", True), ("конотоп", True), ("сад", False), ("вода", False), ("ромни", True)],
)
def test_ukrainian_proper_nouns_by_lexeme_tag(word: str, proper: bool) -> None:
    m = morph()
    nouns = [p for p in m.uk.parse(word) if p.tag.POS == "NOUN" and p.normal_form == word]
    assert nouns
    assert all(m._is_proper(m.uk, p) for p in nouns) is proper


@pytest.mark.parametrize(
    ("adjective", "noun", "lang", "expected", "unexpected"),
    [
        (
            "Харьковский",
            "район",
            "ru",
            {"харьковского района", "харьковском районе", "харьковский район"},
            {"харьковского район"},
        ),
        ("Грайворонский", "городской округ", "ru", {"грайворонском городском округе"}, set()),
        (
            "Білопільський",
            "міська громада",
            "uk",
            {"білопільської міської громади", "білопільській міській громаді"},
            set(),
        ),
        ("Харківська", "ОВА=адміністрація", "uk", {"харківська ова", "харківської ова"}, set()),
        # Known only as a surname, or not at all: declined like "курський".
        ("Климовський", "район", "uk", {"климовського району", "климовському районі"}, set()),
        ("Середино-Будський", "громада", "uk", {"середино-будської громади"}, set()),
        ("Курский", "МО=округ", "ru", {"курского мо", "курском мо"}, {"курской мо"}),
    ],
)
def test_agreeing_forms(
    adjective: str, noun: str, lang: str, expected: set[str], unexpected: set[str]
) -> None:
    forms = morph().agreeing_forms(adjective, noun, lang)
    assert expected <= forms
    assert not unexpected & forms


def test_parse_place_with_its_own_guard() -> None:
    place = tool().parse_place("Октябрьский | Октябрський | Oktyabrsky | context")
    assert place.ru == ("Октябрьский",)
    assert place.guard == "context"
    assert tool().parse_place("Суджа | Суджа | Sudzha").guard is None
    with pytest.raises(SystemExit):
        tool().parse_place("Суджа | Суджа | Sudzha | context; capital")


def test_parse_districts() -> None:
    districts = tool().parse_districts(["Курский | Курський", " | Берестинський", "Ровеньский | "])
    assert districts == {"ru": ["Курский", "Ровеньский"], "uk": ["Курський", "Берестинський"]}
    with pytest.raises(SystemExit):
        tool().parse_districts(["Курский"])


@pytest.mark.parametrize(
    ("adjective", "noun", "lang", "expected", "unexpected"),
    [
        ("Курская", "область", "ru", {"курской", "курскую", "курских", "курская"}, {"курского"}),
        (
            "Курська",
            "область",
            "uk",
            {"курською", "курській", "курських", "курські"},
            {"курського"},
        ),
        ("Краснодарский", "край", "ru", {"краснодарского", "краснодарских"}, {"краснодарской"}),
    ],
)
def test_region_adjectives_agree_with_their_noun_in_both_numbers(
    adjective: str, noun: str, lang: str, expected: set[str], unexpected: set[str]
) -> None:
    forms = morph().adjective_forms(adjective, noun, lang)
    assert expected <= forms
    assert not unexpected & forms


@pytest.mark.parametrize(
    ("word", "lang", "expected"),
    [
        ("курянин", "ru", {"куряне", "курян", "курянам", "курянину"}),
        ("харків'янин", "uk", {"харків'яни", "харків'ян", "харків'янам"}),
        ("брянец", "ru", {"брянцы", "брянцев", "брянцам"}),
    ],
)
def test_residents_names_inflect_in_every_case_and_number(
    word: str, lang: str, expected: set[str]
) -> None:
    assert expected <= morph().noun_forms(word, lang)


def test_a_residents_form_that_is_a_surname_is_told_apart() -> None:
    assert morph().is_surname("брянцев")
    assert not morph().is_surname("курян")
