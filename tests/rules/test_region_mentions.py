"""How posts name regions, matched with the real gazetteer (issue 11 regressions).

Each case is a way real posts name a region that the tables once missed or got wrong:
regions in a list sharing one noun, the residents' names, and the traps those forms
must not open.
"""

from __future__ import annotations

import pytest

from rules.errors import RuleSyntaxError
from rules.lexicon import Lexicon
from rules.matcher import Matcher
from rules.syntax import parse_rule

REGIONS = ("kursk", "belgorod", "bryansk", "kharkiv", "sumy", "odesa", "moscow-oblast")


@pytest.fixture(scope="module")
def real_lexicon() -> Lexicon:
    return Lexicon.load()


@pytest.fixture(scope="module")
def matcher(real_lexicon: Lexicon) -> Matcher:
    lexicon = real_lexicon
    matcher = Matcher(lexicon)
    for number, key in enumerate(REGIONS):
        matcher.add(number, parse_rule(f"region:{key}", lexicon))
    return matcher


def regions_of(matcher: Matcher, text: str) -> set[str]:
    return {region for hit in matcher.match(text) for region in hit.regions}


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        (
            "над Белгородской, Курской и Брянской областями уничтожены 27 беспилотников",
            {"belgorod", "kursk", "bryansk"},
        ),
        ("В Курской и Белгородской областях объявлена ракетная опасность", {"kursk", "belgorod"}),
        ("В Брянской и Курской областях отменили ярмарки", {"bryansk", "kursk"}),
        ("Харьковская и Сумская области снова без света", {"kharkiv", "sumy"}),
        ("Курская, Белгородская области и Краснодарский край", {"kursk", "belgorod"}),
        ("Над Курською та Брянською областями збито безпілотники", {"kursk", "bryansk"}),
        ("Сумською та Харківською областями", {"sumy", "kharkiv"}),
        ("У Хмельницькій, Вінницькій, Одеській та Миколаївській областях зливи", {"odesa"}),
        ("the Kursk and Belgorod regions", {"kursk", "belgorod"}),
    ],
)
def test_each_region_of_a_list_sharing_one_noun_counts(
    matcher: Matcher, text: str, regions: set[str]
) -> None:
    assert regions_of(matcher, text) == regions


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("Курская Дума и Белгородская области", {"belgorod"}),  # items need "," or "и"
        ("в Курской и белгородской областях", set()),  # list items are capitalized
        ("На Курской дуге в 1943 году", set()),  # the adjective before another noun
    ],
)
def test_a_region_adjective_outside_a_list_is_not_the_region(
    matcher: Matcher, text: str, regions: set[str]
) -> None:
    assert regions_of(matcher, text) == regions


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Куряне, сохраняйте спокойствие", "kursk"),
        ("Губернатор поблагодарил курян за терпение", "kursk"),
        ("Белгородцев просят не выходить на улицу", "belgorod"),
        ("Брянцам раздадут гуманитарную помощь", "bryansk"),
        ("Харків'яни знову ночували в метро", "kharkiv"),
        ("Харків’янам радять запастися водою", "kharkiv"),
        ("Сумчани отримають компенсацію", "sumy"),
    ],
)
def test_residents_name_their_region(matcher: Matcher, text: str, region: str) -> None:
    assert regions_of(matcher, text) == {region}


def test_a_surname_that_is_a_residents_form_is_not_the_region(matcher: Matcher) -> None:
    assert regions_of(matcher, "Актёр Николай Брянцев сыграл главную роль") == set()


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("Под Алексеевкой Саратовской области горит лес", set()),
        ("Школу в Алексеевке Белгородской области закрыли на карантин", {"belgorod"}),
        ("Железногорск (Красноярский край) отмечает юбилей", set()),
        ("Курская область: в Железногорске сработала ПВО", {"kursk"}),
        ("В Железногорске ремонтируют дороги", set()),
        ("Коренево и Суджа снова под обстрелом", {"kursk"}),  # Суджа names Kursk Oblast
    ],
)
def test_a_shared_place_name_counts_only_beside_its_region(
    matcher: Matcher, text: str, regions: set[str]
) -> None:
    assert regions_of(matcher, text) == regions


@pytest.mark.parametrize("value", ["курская", "Курська", '"kursk oblast"', "Курщину", "kursk"])
def test_a_region_is_named_in_any_language_and_form(real_lexicon: Lexicon, value: str) -> None:
    assert parse_rule(f"region:{value}", real_lexicon).canonical == "region:kursk"


def test_an_unknown_region_names_the_closest_keys(real_lexicon: Lexicon) -> None:
    listed = r"the closest keys are \S+, \S+, \S+ .*lookout regions"
    with pytest.raises(RuleSyntaxError, match=listed):
        parse_rule("region:nowhere", real_lexicon)
