"""What sources wrap around every post comes off; the news stays."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.stories.boilerplate import RULES, credited_urls, linked_urls, strip_boilerplate

NEWS = "В Шебекино FPV-дрон атаковал легковой автомобиль. Ранен мужчина."

WRAPPED = [
    ("⚡️Срочно: " + NEWS, NEWS),
    ("СРОЧНО МОЛНИЯ: " + NEWS, NEWS),
    ("❗️Срочно\n" + NEWS, NEWS),
    ("‼️" + NEWS, NEWS),
    ("Внимание! " + NEWS, NEWS),
    ("Уточнение: " + NEWS, NEWS),
    ("ТЕРМІНОВО\nУ Харкові пролунали вибухи.", "У Харкові пролунали вибухи."),
    ("Терміново: У Харкові пролунали вибухи.", "У Харкові пролунали вибухи."),
    ("BREAKING: Explosions heard in Kharkiv", "Explosions heard in Kharkiv"),
    ("Breaking news — Explosions heard in Kharkiv", "Explosions heard in Kharkiv"),
    ("JUST IN: Explosions heard in Kharkiv", "Explosions heard in Kharkiv"),
    (NEWS + "\n\n#Белгород #новости", NEWS),
    (NEWS + "\n\n👉Подписаться на Белгород Сейчас", NEWS),
    (NEWS + "\nПодписаться | Прислать новость", NEWS),
    (NEWS + "\nПодписывайтесь на наш канал!", NEWS),
    ("У Харкові вибухи.\n\nПідписатися | Надіслати новину", "У Харкові вибухи."),
    ("У Харкові вибухи.\nПідписуйтесь на канал", "У Харкові вибухи."),
    ("Explosions in Kharkiv.\n\nSubscribe: @kyivpost", "Explosions in Kharkiv."),
    (NEWS + "\nИсточник: https://t.me/vvgladkov/5501", NEWS),
    (NEWS + "\nФото: пресс-служба губернатора", NEWS),
    (NEWS + "\nДжерело: Суспільне", NEWS),
    (NEWS + "\n— ТАСС", NEWS),
    (NEWS + "\n© Белгород Сейчас", NEWS),
    (NEWS + "\n@belgorod_now", NEWS),
    (NEWS + " Подробнее: https://bel.ru/news/1?utm_source=tg", NEWS + " Подробнее:"),
    (NEWS + "\n\nЧитайте нас в Max", NEWS),
    ("🔴 Повітряна тривога в Київській області!", "Повітряна тривога в Київській області!"),
    ("Кличко: 🚨 уламки впали в Дарницькому районі", "Кличко: уламки впали в Дарницькому районі"),
    # Runs of spaces of any kind become one space; a line keeps its words.
    ("Ранен\tмужчина.\u00a0 Дрон\u3000\u3000сбит. ", "Ранен мужчина. Дрон сбит."),
    ("  Ранен мужчина.\n \t\nДрон сбит.", "Ранен мужчина.\nДрон сбит."),
]

KEPT = [
    # A word that merely starts like a marker is news.
    "Срочное совещание прошло в администрации.",
    # A long sentence that mentions subscribing is news, not a footer.
    (
        "Губернатор призвал жителей подписаться на канал администрации, чтобы вовремя получать "
        "оповещения об угрозе ракетного удара и о работе пунктов временного размещения в регионе."
    ),
    # A marker later in the text stays.
    "Обычный текст.\nВажно: вторая строка.",
    # "подписал" (signed) is not "подписаться".
    "Президент подписал указ.",
    # A lone line is the post itself, even if it looks like a signature.
    "— Гладков",
]


@pytest.mark.parametrize(("text", "expected"), WRAPPED)
def test_wrapping_comes_off(text: str, expected: str) -> None:
    assert strip_boilerplate(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_news_stays(text: str) -> None:
    assert strip_boilerplate(text) == text


def test_every_rule_is_documented() -> None:
    assert len({rule.name for rule in RULES}) == len(RULES)
    assert all(rule.why for rule in RULES)
    assert {rule.scope for rule in RULES} == {"char", "line", "last", "inline", "prefix"}


def test_credited_urls_are_the_links_of_credit_lines() -> None:
    text = (
        "Текст со ссылкой https://example.com/inline внутри.\n"
        "Источник: https://t.me/vvgladkov/5501.\n"
        "Read more: https://kyivindependent.com/story/"
    )
    assert credited_urls(text) == (
        "https://t.me/vvgladkov/5501",
        "https://kyivindependent.com/story/",
    )


def test_linked_urls_are_distinct_and_in_order() -> None:
    text = "https://a.ru/1 и https://b.ru/2, снова https://a.ru/1; t.me/chan/5"
    assert linked_urls(text) == ("https://a.ru/1", "https://b.ru/2", "t.me/chan/5")


_LINES = st.lists(
    st.sampled_from(
        [
            NEWS,
            "⚡️Срочно: ",
            "СРОЧНО",
            "#Белгород #новости",
            "👉Подписаться на канал",
            "— ТАСС",
            "@belgorod_now",
            "Источник: https://t.me/vvgladkov/5501",
            "У Харкові вибухи.",
            "...",
            "",
            "Текст с https://example.com/ссылкой",
        ]
    )
    | st.text(max_size=30),
    max_size=6,
)


@settings(max_examples=300)
@given(_LINES)
def test_stripping_is_idempotent(lines: list[str]) -> None:
    once = strip_boilerplate("\n".join(lines))
    assert strip_boilerplate(once) == once
