"""The whole language against posts, table-driven: each row is a rule, a post, a verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from rules.matcher import Matcher, RuleHit
from rules.syntax import parse_rule

if TYPE_CHECKING:
    from rules.lexicon import Lexicon

CASES = [
    # words: any inflected form, in ru / uk / en
    ("беспилотник", "Над городом сбиты три беспилотника", True),
    ("беспилотник", "Уничтожено 12 беспилотников", True),
    ("беспилотник", "беспилотная авиация", False),
    ("безпілотник", "Збито п'ять безпілотників", True),
    ("дрон", "Дроны атаковали нефтебазу", True),
    ("дрон", "Ukraine says drones hit depots", False),  # a Russian word is not English
    ("drone", "Two drones were shot down", True),
    ("drone", "The droning noise", True),  # the light stem joins them: accepted
    ("attack", "Russia attacked Kharkiv overnight", True),
    ("БПЛА", "Отражена атака БПЛА", True),
    ("бпла", "Отражена атака БПЛА", True),
    ("БПЛА", "Ворона бпнула ветку", False),  # pymorphy's "бпнуть" is never a lemma
    ("Курск", "Взрывы в Курске", True),
    ("Курск", "Подлодка «Курск» затонула", True),  # the word rule cannot know the context
    ("Курск", "Курская битва 1943 года", False),  # "курский" is not "курск"
    ("Харків", "Вибухи у Харкові", True),
    ("сталь", "Цены на сталь", True),
    ("XИМАРС", "Удар ХИМАРС по мосту", True),  # Latin X in the rule
    ("химарс", "Удар XИМАРС по мосту", True),  # Latin X in the post
    ("ёлка", "Ёлки и елки", True),
    ("елка", "Ёлка", True),
    ("п'ять", "Пʼять дронів", True),
    # phrases: adjacent, in order, each word in any form
    ('"мост через Сейм"', "Взорван мост через Сейм", True),
    ('"мост через Сейм"', "Взорваны мосты через Сейм", True),
    ('"мост через Сейм"', "Разрушен мост через реку Сейм", False),
    ('"мост через Сейм"', "Сейм через мост", False),
    ('"ударный беспилотник"', "сбит ударный беспилотник", True),
    ('"ударный беспилотник"', "ударных беспилотников", True),
    ("Су-34", "Потерян Су-34", True),
    ("Су-34", "Потерян Су-35", False),
    ('"дрон* атак*"', "дронов атаковали", True),
    # prefixes
    ("дрон*", "дроноводы", True),
    ("дрон*", "Дроны", True),
    ("дрон*", "андрон", False),
    ("безпілот*", "безпілотна авіація", True),
    # AND, OR, NOT, grouping, precedence
    ("дрон Курск", "дрон над Курском", True),
    ("дрон Курск", "дрон над Белгородом", False),
    ("дрон AND Курск", "Курск", False),
    ("дрон OR БПЛА Курск", "БПЛА над Курском", True),
    ("дрон OR БПЛА Курск", "дрон над Белгородом", False),  # (дрон OR БПЛА) AND Курск
    ("дрон | БПЛА", "атака БПЛА", True),
    ("дрон -учения", "дрон сбит", True),
    ("дрон -учения", "дрон на учениях", False),
    ("дрон NOT учения", "учения дронов", False),
    ("дрон -(учения маневры)", "дрон учения", True),
    ("дрон -(учения маневры)", "дрон учения маневры", False),
    ("(дрон OR ракета) (Курск OR Белгород)", "ракеты над Белгородом", True),
    ("(дрон OR ракета) (Курск OR Белгород)", "ракеты над Воронежем", False),
    ('дрон -"light show"', "drone light show", False),
    # regions: any place, any form, any language — by the gazetteer's forms
    ("беспилотник region:kursk", "над Курской областью сбиты три беспилотника", True),
    ("беспилотник region:kursk", "над Белгородской областью сбиты три беспилотника", False),
    ("region:kursk", "В Судже объявлена тревога", True),
    ("region:kursk", "Обстановка на Курщине", True),
    ("region:kursk", "Drone attack on Kursk Oblast", True),
    ("region:kursk", "Курська область під обстрілом", True),
    ("region:kursk", "Курская битва 1943 года", False),  # "Курская" alone is not a form
    ("region:kursk", "Курский вокзал в Москве", False),
    ("region:kharkiv", "Вибухи у Харкові", True),
    ("region:kharkiv", "Харко", False),  # pymorphy's bogus lemma of "Харкові" is not a name
    ("region:kharkiv", "Обстріл Куп’янська", False),  # "Куп'янська" is not in the stand-in
    ("region:kharkiv", "Обстріл Куп’янську", True),
    ("region:belgorod", "Обстрел Шебекино", True),
    # guarded forms: counted only when the gazetteer's guard admits them
    ("region:kursk", "Обстрел в селе Белая", True),
    ("region:kursk", "Над Белой сбит дрон", True),
    ("region:kursk", "Белая машина на трассе", False),  # opens the text: not admitted
    ("region:kursk", "у него белая машина", False),  # not capitalized
    ("region:kursk", "Обстрел г. Белая", True),  # "г." is an abbreviation, not a sentence end
    ("region:kursk", "Это был обстрел. Белая машина сгорела", False),
    # blockers: a place inside another region's longer name does not count
    ("region:moscow", "Drones attacked Moscow Oblast", False),
    ("region:moscow", "Drones attacked Moscow and Moscow Oblast", True),
    ("region:moscow-oblast", "Drones attacked Moscow Oblast", True),
    ("region:kursk", "В г. Белая Церковь слышны взрывы", False),
    ("region:kyiv-oblast", "В Белой Церкви слышны взрывы", True),
    ("region:Курщина дрон", "дрон над Суджей", True),
    # topics
    ("topic:drones", "Атака шахедов", True),
    ("topic:drones", "Герани над городом", True),
    ("topic:drones", "UAV shot down", True),
    ("topic:drones", "отражена атака БПЛА", True),
    ("topic:drones", "ударные мопеды", True),
    ("topic:drones", "на клумбе цветет герань", True),  # topics are words, not meanings
    ("topic:drones", "Курская битва", False),
    ("topic:drones region:kursk", "Шахеды над Курском", True),
    ("topic:shelling -topic:drones", "Обстрел Белгорода", True),
    ("topic:shelling -topic:drones", "Обстрел Белгорода дронами", False),
]


@pytest.mark.parametrize(("rule", "post", "expected"), CASES)
def test_rule_against_post(lexicon: Lexicon, rule: str, post: str, expected: bool) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule(rule, lexicon))
    assert bool(matcher.match(post)) is expected


def test_all_cases_at_once_in_one_index(lexicon: Lexicon) -> None:
    """The shared index gives each rule the verdict it gets alone."""
    matcher = Matcher(lexicon)
    for rule_id, (rule, _, _) in enumerate(CASES):
        matcher.add(rule_id, parse_rule(rule, lexicon))
    for rule_id, (_, post, expected) in enumerate(CASES):
        hit_ids = {hit.rule_id for hit in matcher.match(post)}
        assert (rule_id in hit_ids) is expected, CASES[rule_id]


def test_hit_reports_terms_keys_and_spans_in_the_original_text(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    matcher.add(7, parse_rule("беспилотник region:kursk -учения", lexicon))
    text = "Над «Курской областью» сбиты ТРИ беспилотника"
    [hit] = matcher.match(text)
    assert hit == RuleHit(
        rule_id=7,
        terms=("беспилотник", "region:kursk"),
        regions=("kursk",),
        topics=(),
        spans=((5, 21), (33, 45)),
    )
    assert [text[start:end] for start, end in hit.spans] == ["Курской областью", "беспилотника"]


def test_spans_merge_overlaps_and_cover_every_occurrence(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule('дрон OR "дрон над"', lexicon))
    text = "дрон над дроном"
    [hit] = matcher.match(text)
    assert hit.spans == ((0, 8), (9, 15))
    assert hit.terms == ("дрон", '"дрон над"')


def test_negated_terms_are_not_reported(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule("дрон -(учения маневры)", lexicon))
    [hit] = matcher.match("дрон учения")
    assert hit.terms == ("дрон",)
    assert hit.spans == ((0, 4),)


def test_topic_hit(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule("topic:drones", lexicon))
    [hit] = matcher.match("Shahed")
    assert (hit.terms, hit.topics, hit.spans) == (("topic:drones",), ("drones",), ((0, 6),))


@pytest.mark.parametrize(
    ("rule", "sources", "expected"),
    [
        ("source:@kursk_gov дрон", ["@kursk_gov"], True),
        ("source:@kursk_gov дрон", ["@Kursk_Gov"], True),
        ("source:@kursk_gov дрон", ["https://t.me/s/kursk_gov"], True),
        ("source:@kursk_gov дрон", ["@belgorod_gov"], False),
        ("source:@kursk_gov дрон", [], False),
        ("source:example.com дрон", ["https://www.example.com/feed.xml"], True),
        ("source:example.com/feed.xml дрон", ["https://example.com/feed.xml"], True),
        ("source:example.com/other дрон", ["https://example.com/feed.xml"], False),
        ("дрон -source:@fakes", ["@fakes"], False),
        ("дрон -source:@fakes", ["@kursk_gov"], True),
        ("source:@kursk_gov", ["@kursk_gov"], True),  # every post of a channel
    ],
)
def test_sources(lexicon: Lexicon, rule: str, sources: list[str], expected: bool) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule(rule, lexicon))
    assert bool(matcher.match("дрон над городом", sources=sources)) is expected


def test_source_only_rule_has_no_spans(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule("source:@kursk_gov", lexicon))
    [hit] = matcher.match("что угодно", sources=["@kursk_gov"])
    assert (hit.terms, hit.spans) == (("source:@kursk_gov",), ())


def test_add_and_remove_are_incremental(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule("дрон", lexicon))
    matcher.add(2, parse_rule("дрон Курск", lexicon))
    matcher.add(3, parse_rule("region:kursk source:@a", lexicon))
    assert [hit.rule_id for hit in matcher.match("дрон над Курском", sources=["@a"])] == [1, 2, 3]
    matcher.remove(1)
    assert [hit.rule_id for hit in matcher.match("дрон над Курском", sources=["@a"])] == [2, 3]
    matcher.remove(3)
    assert [hit.rule_id for hit in matcher.match("дрон над Курском", sources=["@a"])] == [2]
    matcher.add(2, parse_rule("ракета", lexicon))  # replacing a rule under the same id
    assert matcher.match("дрон над Курском") == []
    assert [hit.rule_id for hit in matcher.match("ракета")] == [2]
    matcher.remove(2)
    matcher.remove(99)  # unknown ids are ignored
    assert len(matcher) == 0
    assert matcher.match("дрон ракета Курск", sources=["@a"]) == []


def test_removing_everything_leaves_an_empty_index(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    rules = ["дрон", '"мост через сейм"', "дрон*", "region:kursk", "topic:drones", "source:@a"]
    for rule_id, rule in enumerate(rules):
        matcher.add(rule_id, parse_rule(rule, lexicon))
        matcher.add(rule_id + 100, parse_rule(rule, lexicon))
    for rule_id in range(len(rules)):
        matcher.remove(rule_id)
        matcher.remove(rule_id + 100)
    index = matcher._index  # white-box: nothing may leak
    assert len(index) == 0
    assert not index._by_key
    assert not index._starts
    assert not index._prefixes
    assert not matcher._triggered
    assert not matcher._conditions


def test_equal_rules_of_many_subscribers_each_get_a_hit(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    matcher.add(5, parse_rule("topic:drones region:kursk", lexicon))
    matcher.add(3, parse_rule("TOPIC:drones AND region:Курщина", lexicon))  # the same rule
    matcher.add(4, parse_rule("дрон", lexicon))
    hits = matcher.match("дрон над Суджей")
    assert [hit.rule_id for hit in hits] == [3, 4, 5]
    assert hits[0].terms == hits[2].terms == ("topic:drones", "region:kursk")
    matcher.remove(3)
    assert [hit.rule_id for hit in matcher.match("дрон над Суджей")] == [4, 5]


def test_a_rule_with_or_reports_only_what_is_present(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule("(дрон OR ракета OR region:belgorod) region:kursk", lexicon))
    [hit] = matcher.match("ракета над Суджей")
    assert (hit.terms, hit.regions) == (("ракета", "region:kursk"), ("kursk",))


def test_a_rule_added_after_matching_sees_cached_words(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule("ракета", lexicon))
    assert matcher.match("дроны над Курском") == []
    matcher.add(2, parse_rule("дрон", lexicon))
    assert [hit.rule_id for hit in matcher.match("дроны над Курском")] == [2]


def test_a_word_that_normalizes_to_two_keeps_positions(lexicon: Lexicon) -> None:
    # "½" is two words after NFKC ("1", "2"): the word-by-word path keeps the count right.
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule('"мост через сейм"', lexicon))
    matcher.add(2, parse_rule('"1 2"', lexicon))
    text = "½ мост через Сейм"
    assert [(hit.rule_id, hit.spans) for hit in matcher.match(text)] == [
        (1, ((2, 17),)),
        (2, ((0, 1),)),
    ]


@pytest.mark.parametrize("between", [" ", "   ", "\n", " \t", "_", " — ", ", ", "\u00a0", "»\n«"])
def test_words_keep_their_offsets_and_order_whatever_separates_them(
    lexicon: Lexicon, between: str
) -> None:
    # The index caches what lies between spaces: one matcher reads every text here, so
    # a piece met earlier at another offset must still be placed where it now is.
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule('"мост через сейм"', lexicon))
    matcher.add(2, parse_rule("дрон", lexicon))
    for lead in ("", " ", "дрон" + between, "Сейм" + between):
        text = lead + between.join(["мост", "через", "Сейм", "дроны,", "через"])
        phrase = len(lead)
        drone = text.rindex("дроны")
        hits = {hit.rule_id: hit.spans for hit in matcher.match(text)}
        assert hits[1] == ((phrase, text.index("Сейм", phrase) + 4),), text
        assert hits[2][-1] == (drone, drone + 5), text


def test_a_word_between_breaks_a_phrase_whatever_its_length(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule('"мост через сейм"', lexicon))
    for between in (" ½ ", " Ростов-на-Дону ", " 1,5 "):
        assert matcher.match(f"мост{between}через Сейм") == []
        assert matcher.match(f"мост через{between}Сейм") == []
    assert [hit.spans for hit in matcher.match("½ мост через Сейм ½")] == [((2, 17),)]


def test_empty_and_wordless_posts(lexicon: Lexicon) -> None:
    matcher = Matcher(lexicon)
    matcher.add(1, parse_rule("дрон", lexicon))
    assert matcher.match("") == []
    assert matcher.match("!!! 🚀 ---") == []
