"""Alert messages as subscribers read them, within Telegram's limits, with HTML escaped."""

from __future__ import annotations

from datetime import UTC, datetime

from alerts.outbox import PendingAlert, StorySource
from bot.render import ALSO_SHOWN, TELEGRAM_TEXT_LIMIT, render_alert, render_alert_plain
from tests.fakes.telegram import parse_html, utf16_len


def alert(**fields: object) -> PendingAlert:
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
    return PendingAlert(**(base | fields))  # type: ignore[arg-type]


def visible(html: str) -> str:
    text, _entities = parse_html(html)
    return text


def test_alert_names_source_local_time_and_bolds_matched_words() -> None:
    html = render_alert(alert())
    assert html.startswith("<b>Губернатор · 00:30</b>")
    assert "сбит <b>беспилотник</b>" in html
    assert html.endswith("https://t.me/kursk_gov/2")


def test_source_text_is_escaped() -> None:
    html = render_alert(alert(source_name="A&B <news>", text="x < y & z > w"))
    assert "A&amp;B &lt;news&gt;" in html
    assert "x &lt; y &amp; z &gt; w" in html
    visible(html)  # parses as Telegram would, or raises


def test_huge_fields_still_fit_telegram_limit() -> None:
    huge = alert(
        source_name="S" * 512,
        title="T" * 2000,
        text="😀 " * 5000,
        url="https://example.org/" + "p" * 2000,
        also=tuple(StorySource(f"Source {n}", f"https://x.example/{n}", False) for n in range(20)),
    )
    assert utf16_len(visible(render_alert(huge))) <= TELEGRAM_TEXT_LIMIT
    assert utf16_len(render_alert_plain(huge)) <= TELEGRAM_TEXT_LIMIT


def test_other_sources_are_listed_then_counted_and_official_confirms() -> None:
    others = tuple(
        StorySource(f"Канал {n}", f"https://t.me/c{n}/1", official=(n == 7)) for n in range(8)
    )
    html = render_alert(alert(also=others))
    assert html.count("<a href=") == ALSO_SHOWN
    assert f"+{len(others) - ALSO_SHOWN} more" in html
    assert "✅ confirmed by Канал 7" in html


def test_an_official_source_says_so_itself() -> None:
    assert "✅ official source" in render_alert(alert(official=True))


def test_plain_fallback_has_no_markup() -> None:
    plain = render_alert_plain(
        alert(source_name="<b>", also=(StorySource("Монитор", None, False),))
    )
    assert plain.startswith("<b> · 00:30")
    assert "Also: Монитор" in plain
