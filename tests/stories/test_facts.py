"""Facts that survive rewording and translation: places, actors, numbers, topics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.stories.boilerplate import strip_boilerplate
from alerts.stories.clues import clues
from alerts.stories.facts import FactReader, Facts, number_words, skeleton
from alerts.stories.fingerprint import Fingerprinter
from alerts.stories.neardup import StoryItem, StoryWindow
from bench.story_corpus import HELDOUT, TUNING, load
from rules.gazetteer import Gazetteer
from rules.topics import Topics
from tests.conftest import SHARED_FIXTURES


@pytest.fixture(scope="module")
def read() -> FactReader:
    return FactReader.load()


def facts(reader: FactReader, text: str) -> Facts:
    return reader(text, clues(text).words)


@pytest.mark.parametrize(
    "spellings",
    [
        ("Рыльск", "Рильськ", "Rylsk"),
        ("Харьков", "Харків", "Kharkiv"),
        ("Шебекино", "Шебекине", "Shebekino"),
        ("Синегубов", "Синєгубов", "Syniehubov"),
        ("Запорожье", "Запоріжжя", "Zaporizhzhia"),
    ],
)
def test_one_name_in_three_languages_has_one_skeleton(spellings: tuple[str, ...]) -> None:
    assert len({skeleton(name) for name in spellings}) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("пострадали двое мирных жителей", {2}),
        ("ранены трое, среди них двое детей", {2, 3}),
        ("поранені троє людей", {3}),
        ("знищено одинадцять дронів", {11}),
        ("eleven drones were shot down", {11}),
        ("п'ятеро загиблих", {5}),
        ("один из них", set()),
        ("Двое ранены, ТРОЕ госпитализированы", {2, 3}),
        ("Eleven drones", {11}),
    ],
)
def test_numbers_in_words(text: str, expected: set[int]) -> None:
    assert number_words(text) == expected


def test_a_place_in_three_languages_is_one_place(read: FactReader) -> None:
    ru = facts(read, "В Рыльске беспилотник атаковал автомобиль, пострадали двое.")
    uk = facts(read, "У Рильську Курської області безпілотник атакував автомобіль, двоє поранені.")
    en = facts(read, "Drone hits car in Russia's Rylsk, two civilians wounded, governor says")
    assert ru.places & uk.places & en.places == {"kursk:rlsk"}
    assert ru.numbers == uk.numbers == en.numbers == {2}
    assert "drones" in ru.topics & uk.topics & en.topics


def test_acronyms_and_sentence_openers_are_not_actors(read: FactReader) -> None:
    found = facts(read, "Минобороны: ВСУ и БпЛА. Губернатор Гладков сообщил.")
    assert found.actors == {skeleton("Гладков")}


DAY = datetime(2025, 4, 14, 4, tzinfo=UTC)
MOD = "Дежурными средствами ПВО уничтожены 23 беспилотника над территорией Брянской области."
REUTERS = (
    "Russia says its air defences destroyed 23 drones over the Bryansk region\n\nRussia's "
    "defence ministry said on Monday its air defence units had destroyed 23 Ukrainian drones "
    "over the Bryansk region overnight."
)
UKRINFORM = "У Росії заявили, що ППО збила 23 безпілотники над Брянською областю"
NEXT_DAY = "Дежурными средствами ПВО уничтожены 11 беспилотников над территорией Брянской области."


def item(key: str, source: str, text: str, minutes: float) -> StoryItem:
    return StoryItem(key, source, text, None, DAY + timedelta(minutes=minutes))


def test_reports_of_one_event_in_three_languages_are_one_story(read: FactReader) -> None:
    window = StoryWindow(facts=read)
    found = [
        window.assign(item("mod", "tg:mod_russia", MOD, 0)),
        window.assign(item("reuters", "rss:reuters", REUTERS, 50)),
        window.assign(item("ukrinform", "rss:ukrinform", UKRINFORM, 80)),
    ]
    assert found == ["mod", "mod", "mod"]


def test_the_next_days_count_is_another_event(read: FactReader) -> None:
    window = StoryWindow(facts=read)
    window.assign(item("mod", "tg:mod_russia", MOD, 0))
    window.assign(item("reuters", "rss:reuters", REUTERS, 50))
    assert window.assign(item("next", "tg:tass", NEXT_DAY, 90)) == "next"


def test_without_a_fact_reader_other_languages_stay_apart() -> None:
    window = StoryWindow()
    window.assign(item("mod", "tg:mod_russia", MOD, 0))
    assert window.assign(item("reuters", "rss:reuters", REUTERS, 50)) == "reuters"


NO_PLACE_RU = (
    "Минобороны: за ночь дежурные средства ПВО перехватили и уничтожили 41 беспилотник, "
    "ещё 7 подавлены средствами РЭБ."
)
NO_PLACE_EN = (
    "The defence ministry said air defences intercepted and destroyed 41 drones overnight "
    "and jammed 7 more."
)


def test_reports_naming_no_place_meet_by_topic_and_numbers(read: FactReader) -> None:
    # Regression: without a place the gazetteer knows, a report in another language had
    # no candidate at all.
    assert not facts(read, NO_PLACE_EN).places
    window = StoryWindow(facts=read)
    window.assign(item("ru", "tg:mod_russia", NO_PLACE_RU, 0))
    assert window.assign(item("en", "rss:agency", NO_PLACE_EN, 30)) == "ru"


def test_one_shared_number_without_a_place_is_not_enough(read: FactReader) -> None:
    window = StoryWindow(facts=read)
    window.assign(item("ru", "tg:mod_russia", NO_PLACE_RU, 0))
    other = "The defence ministry said air defences destroyed 41 drones overnight."
    assert window.assign(item("en", "rss:agency", other, 30)) == "en"


def test_a_place_of_two_words_is_read_as_one(read: FactReader) -> None:
    found = facts(read, "Ночью обстреляли Кривой Рог, ранены трое.")
    assert found.places == {"dnipropetrovsk:krv"}
    assert found.actors == frozenset()


def test_words_opening_no_place_name_read_as_without_the_filter(read: FactReader) -> None:
    gazetteer = Gazetteer.load()
    unfiltered = FactReader(gazetteer.region_of, Topics.load())
    corpus = [*load(TUNING, SHARED_FIXTURES).posts, *load(HELDOUT, SHARED_FIXTURES).posts]
    texts = [post["text"] for post in corpus]
    texts.append("Губернатор Гладков сообщил: в Новой Таволжанке и Старом Осколе тихо.")
    for text in texts:
        words = clues(text).words
        assert read(text, words) == unfiltered(text, words), text


@pytest.mark.parametrize(
    ("text", "places", "actors"),
    [
        ("Дрон упал в Новой Таволжанке утром", {"belgorod:nv", "kharkiv:tvlz"}, set()),
        # A line break or a comma parts the two words of a place name.
        ("Дрон упал в Новой\nТаволжанке утром", {"kharkiv:tvlz"}, set()),
        ("Дрон упал в Новой, Таволжанке утром", {"kharkiv:tvlz"}, set()),
        ("Об этом сообщил губернатор Синегубов", set(), {"sngb"}),
        # After a sentence's end, a line break, or an opening bracket, a capital says
        # nothing; after whitespace that is neither a space nor a line break, it does.
        ("Об этом сообщил губернатор.\nСинегубов добавил", set(), set()),
        ("Об этом сообщил губернатор. Синегубов добавил", set(), set()),
        ("Об этом сообщил губернатор (Синегубов) утром", set(), set()),
        ("Об этом сообщил губернатор.\x1fСинегубов добавил", set(), {"sngb"}),
    ],
)
def test_the_window_reads_names_where_they_stand(
    read: FactReader, text: str, places: set[str], actors: set[str]
) -> None:
    fingerprint = Fingerprinter(facts=read)(text)
    assert (set(fingerprint.facts.places), set(fingerprint.facts.actors)) == (places, actors)
    # Read token by token, as the window does, or from the whole text: the same facts.
    assert fingerprint.facts == facts(read, strip_boilerplate(text))
