"""Alert, edit and notice messages as subscribers read them: their language, Telegram's limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alerts.ingest.failures import Failure
from alerts.ingest.health import NOTICE_TEXT, SOURCE_PAUSED
from alerts.outbox.queue import Alert, Edit, Notice, StorySource
from bot.fitting import MESSAGE_LIMIT
from bot.i18n import Words, build_i18n
from bot.render import ALSO_SHOWN, render_alert, render_edit, render_notice
from tests.fakes.telegram import utf16_len

I18N = build_i18n()
ENGLISH = Words(I18N, "en")


def alert(**fields: object) -> Alert:
    base: dict[str, object] = {
        "id": 1,
        "chat_id": 5,
        "attempts": 0,
        "source_name": "Губернатор",
        "title": "",
        "text": "Над Суджей сбит беспилотник\nПострадавших нет",
        "url": "https://t.me/kursk_gov/2",
        "published_at": datetime(2026, 5, 1, 21, 30, tzinfo=UTC),
        "terms": ("беспилотник",),
        "timezone": "Europe/Moscow",
    }
    return Alert(**(base | fields))  # type: ignore[arg-type]


def test_alert_names_source_local_time_and_bolds_matched_words() -> None:
    text, entities = render_alert(alert(), ENGLISH).render()
    assert text.startswith("Губернатор · 00:30\n")
    assert text.endswith("https://t.me/kursk_gov/2")
    bold = [text[e.offset : e.offset + e.length] for e in entities if e.type == "bold"]
    assert bold == ["Губернатор · 00:30", "беспилотник"]


def test_source_text_is_never_markup() -> None:
    message = render_alert(alert(source_name="A&B <news>", text="x < y & z > w"), ENGLISH)
    text, _entities = message.render()
    assert "A&B <news>" in text
    assert "x < y & z > w" in text
    assert "A&amp;B &lt;news&gt;" in message.as_html()


def test_huge_fields_still_fit_telegram_limit() -> None:
    huge = alert(
        source_name="S" * 512,
        title="T" * 2000,
        text="😀 " * 5000,
        url="https://example.org/" + "p" * 2000,
        also=tuple(StorySource(f"Source {n}", f"https://x.example/{n}", False) for n in range(20)),
    )
    for language in ("en", "ru", "uk"):
        text, entities = render_alert(huge, Words(I18N, language)).render()
        assert utf16_len(text) <= MESSAGE_LIMIT
        assert all(e.offset + e.length <= utf16_len(text) for e in entities)


def test_other_sources_are_listed_then_counted_and_official_confirms() -> None:
    others = tuple(
        StorySource(f"Канал {n}", f"https://t.me/c{n}/1", official=(n == 7)) for n in range(8)
    )
    text, entities = render_alert(alert(also=others), ENGLISH).render()
    assert [e.type for e in entities].count("text_link") == ALSO_SHOWN
    assert f"and {len(others) - ALSO_SHOWN} more" in text
    assert "✅ confirmed by Канал 7" in text


@pytest.mark.parametrize(
    ("language", "also", "more", "confirmed", "official"),
    [
        ("ru", "Также:", "и ещё 3", "✅ подтверждает Канал 7", "✅ официальный источник"),
        ("uk", "Також:", "і ще 3", "✅ підтверджує Канал 7", "✅ офіційне джерело"),
    ],
)
def test_story_lines_are_in_the_chats_language(language, also, more, confirmed, official) -> None:
    words = Words(I18N, language)
    others = tuple(
        StorySource(f"Канал {n}", f"https://t.me/c{n}/1", official=(n == 7)) for n in range(8)
    )
    text, _ = render_edit(Edit(alert(also=others), message_id=9), words).render()
    assert also in text
    assert more in text
    assert confirmed in text
    assert official in render_alert(alert(official=True), words).render()[0]


def test_an_official_source_says_so_itself() -> None:
    assert "✅ official source" in render_alert(alert(official=True), ENGLISH).render()[0]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Source #4 Border <News> is paused: it has failed for a day "),
        ("ru", "Источник #4 Border <News> приостановлен"),
        ("uk", "Джерело #4 Border <News> призупинено"),
    ],
)
def test_a_paused_source_notice_is_worded_when_sent(language, expected) -> None:
    notice = Notice(
        1,
        5,
        0,
        kind=SOURCE_PAUSED,
        arguments={
            "source_id": 4,
            "name": "Border <News>",
            "failure": Failure("http_status", {"status": 503}).as_json(),
        },
    )
    text, entities = render_notice(notice, Words(I18N, language)).render()
    assert text.startswith(expected)
    assert "503" in text
    assert [text[e.offset : e.offset + e.length] for e in entities] == ["Border <News>"]


def test_another_stored_sentence_is_shown_as_it_was() -> None:
    notice = Notice(1, 5, 0, kind=NOTICE_TEXT, arguments={"text": "Maintenance tonight."})
    assert render_notice(notice, Words(I18N, "ru")).render() == ("Maintenance tonight.", [])
