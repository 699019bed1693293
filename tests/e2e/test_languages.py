"""A Russian and a Ukrainian user get every word in their language, from the real process.

Each drives every command and button with good and bad input, receives an alert and
its story's edit, and the test fails on any English word in what the bot wrote that is
not the user's own text, a source's text or name, a link, a time-zone name, a region or
topic key, the rule language's own words, or a proper name (Telegram, CSV, IANA).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from rules.gazetteer import Gazetteer
from rules.topics import Topics
from tests.e2e.process import LookoutProcess
from tests.fakes.feeds import rss

if TYPE_CHECKING:
    from pathlib import Path

    from tests.fakes.telegram import FakeTelegram
    from tests.fakes.web import FakeWeb

pytestmark = pytest.mark.e2e

RUSSIAN, UKRAINIAN = 3001, 3002
FEED_TITLE = "Border Monitor"
# The rule language's words, proper names, and what people type as a setting.
KEPT = {"or", "and", "not", "telegram", "lookout", "csv", "iana", "utc", "off", "kursk"}
COMMANDS = [
    "/start",
    "/help",
    "/watch (дрон",
    "/watch дрон OR",
    "/watch region:kursks",
    "/watch topic:dronez",
    "/watch",
    "/watch дрон",
    "/watch !беспилотник region:kursk",
    "/rules",
    "/unwatch 999",
    "/unwatch",
    "/test дрон",
    "/test (дрон",
    "/test",
    "/pause",
    "/resume",
    "/quiet завтра",
    "/quiet 25:00-07:00",
    "/quiet 23:00-07:00",
    "/quiet off",
    "/quiet",
    "/tz Kyiv",
    "/tz Киев",
    "/tz Київ",
    "/tz Москва",
    "/tz Europe/Kyiv",
    "/tz",
    "/history",
    "/search беспилотники",
    "/search ракета",
    "/search",
    "/export",
    "/sources",
    "/wacth дрон",
    "/xyzzy",
    "привет",
]
# The Russian user runs Lookout; the Ukrainian one is refused these.
ADMIN_COMMANDS = [
    "/addsource ftp://example.org/feed",
    "/addsource",
    "/official 1",
    "/official 1",
    "/delsource 99",
    "/delsource",
    "/sources",
]


def english_words(text: str, kept: set[str]) -> list[str]:
    """Latin words in `text` that none of the allowed kinds of text explains."""
    text = re.sub(r"https?://\S+|\S+\.(xml|csv|org|example)\S*", " ", text)  # links, files
    text = re.sub(r"(?<![\w])[/@][\w@]+", " ", text)  # /commands, @channels
    text = re.sub(r"\b[\w!-]+:\S*", " ", text)  # field:value, as rules are written
    text = re.sub(r"\b[A-Z][A-Za-z]+/[A-Za-z_/+-]+", " ", text)  # time-zone names
    return [word for word in re.findall(r"[A-Za-z]{2,}", text) if word.lower() not in kept]


def _item(guid: str, title: str) -> dict[str, object]:
    return {
        "guid": guid,
        "title": title,
        "link": f"https://news.example/{guid}",
        "description": f"{title}. Подробности позже.",
        "pub_date": datetime.now(UTC),
    }


async def _converse(fake: FakeTelegram, chat_id: int, language: str, text: str) -> None:
    """Say `text` and wait until the bot has answered it (a message, a file or both)."""
    before = len(fake.messages_to(chat_id)) + len(fake.documents)
    fake.user_says(chat_id, text, language_code=language)
    await fake.wait_for(
        lambda: len(fake.messages_to(chat_id)) + len(fake.documents) > before, timeout=20
    )


async def _press_the_first_button(fake: FakeTelegram, chat_id: int) -> None:
    """Delete a rule with the first button under the chat's latest /rules."""
    with_buttons = [m for m in fake.messages_to(chat_id) if m.reply_markup]
    markup = with_buttons[-1].reply_markup or {}
    before = len(fake.callback_answers)
    fake.press_button(
        chat_id, with_buttons[-1].message_id, markup["inline_keyboard"][0][0]["callback_data"]
    )
    await fake.wait_for(lambda: len(fake.callback_answers) > before, timeout=20)


async def test_every_reply_alert_and_edit_is_in_the_users_language(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_web: FakeWeb
) -> None:
    fake_web.serve("/a.xml", rss([_item("a0", "Сводка за ночь")], title=FEED_TITLE))
    fake_web.serve("/b.xml", rss([_item("b0", "Утренний обзор")], title="Река"))
    lookout = LookoutProcess(
        tmp_path,
        LookoutProcess.environment(
            tmp_path,
            bot_token=fake_telegram.token,
            telegram_api_url=fake_telegram.api_url,
            admins=str(RUSSIAN),
        ),
    )
    await lookout.start()
    # Start-up (the lexicon) is slow on a busy machine: the replies are timed from here.
    await fake_telegram.wait_for(lambda: fake_telegram.polling, timeout=120)
    said: dict[int, list[str]] = {RUSSIAN: [], UKRAINIAN: []}
    try:
        for chat_id, language in ((RUSSIAN, "ru"), (UKRAINIAN, "uk")):
            commands = COMMANDS + ADMIN_COMMANDS
            if chat_id == RUSSIAN:
                commands = [f"/addsource {fake_web.url('/a.xml')}", *commands]
                commands = [f"/addsource {fake_web.url('/b.xml')}", *commands]
            for command in commands:
                said[chat_id].append(command)
                await _converse(fake_telegram, chat_id, language, command)
            await _press_the_first_button(fake_telegram, chat_id)
            await _converse(fake_telegram, chat_id, language, "/watch дрон")

        # A new post alerts both; the same story from a second source edits both alerts.
        fake_web.serve(
            "/a.xml",
            rss(
                [_item("a1", "Дрон атаковал Курск"), _item("a0", "Сводка за ночь")],
                title=FEED_TITLE,
            ),
        )
        await fake_telegram.wait_for(
            lambda: all(
                any("news.example/a1" in m.visible_text for m in fake_telegram.messages_to(c))
                for c in (RUSSIAN, UKRAINIAN)
            ),
            timeout=30,
        )
        fake_web.serve(
            "/b.xml",
            rss([_item("a1", "Дрон атаковал Курск"), _item("b0", "Утренний обзор")], title="Река"),
        )
        await fake_telegram.wait_for(lambda: len(fake_telegram.edits) >= 2, timeout=30)
        await asyncio.sleep(1)
    finally:
        assert await lookout.stop() == 0, lookout.logs()

    for chat_id, first_word, kyiv in ((RUSSIAN, "Также", "Киев"), (UKRAINIAN, "Також", "Київ")):
        kept = {word.lower() for text in said[chat_id] for word in re.findall(r"\w+", text)}
        kept |= KEPT | {word.lower() for word in FEED_TITLE.split()}
        kept |= set(Gazetteer.load().keys()) | set(Topics.load().keys())
        written = [m.visible_text for m in fake_telegram.messages_to(chat_id)]
        written += [e.visible_text for e in fake_telegram.edits if e.chat_id == chat_id]
        written += [a.text or "" for a in fake_telegram.callback_answers if a.chat_id == chat_id]
        written += [d.caption or "" for d in fake_telegram.documents if d.chat_id == chat_id]
        assert len(written) > len(said[chat_id])
        english = {word for text in written for word in english_words(text, kept)}
        assert not english, (chat_id, english)
        assert any(first_word in text for text in written)
        # /tz Kyiv, /tz Киев and /tz Київ suggest the zone, its city in the asker's script.
        assert sum(f"/tz Europe/Kyiv ({kyiv})" in text for text in written) == 3
