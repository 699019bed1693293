"""One event reported by two channels and a feed: one alert, then an edit naming the others."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from tests.e2e.process import LookoutProcess, reply_to
from tests.fakes.channel import ChannelPost, channel_page
from tests.fakes.feeds import rss

if TYPE_CHECKING:
    from pathlib import Path

    from tests.fakes.telegram import FakeTelegram, SentMessage
    from tests.fakes.web import FakeWeb

pytestmark = pytest.mark.e2e

ADMIN = 1001
USER = 2002
EVENT = (
    "Над Курской областью силами ПВО уничтожены три беспилотника. Пострадавших нет, "
    "на месте работают оперативные службы. Информация уточняется, подробности позже."
)
OLD = ChannelPost(
    1,
    "Доброе утро, земляки. Сегодня работаем в штатном режиме.",
    datetime.now(UTC) - timedelta(hours=2),
)


def _alerts(fake: FakeTelegram) -> list[SentMessage]:
    return [m for m in fake.messages_to(USER) if "t.me/kursk_gov/2" in m.text]


async def test_one_alert_per_story_then_an_edit_naming_the_other_sources(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_web: FakeWeb
) -> None:
    fake_web.serve("/s/kursk_gov", channel_page("kursk_gov", "Губернатор", [OLD]))
    fake_web.serve("/s/monitor_ua", channel_page("monitor_ua", "Монитор", [OLD]))
    fake_web.serve("/feed.xml", rss([], title="Курские новости"))
    lookout = LookoutProcess(
        tmp_path,
        LookoutProcess.environment(
            tmp_path,
            bot_token=fake_telegram.token,
            telegram_api_url=fake_telegram.api_url,
            telegram_web_url=fake_web.base_url,
            admins=str(ADMIN),
        ),
    )
    await lookout.start()
    try:
        for source in ("@kursk_gov", "@monitor_ua", fake_web.url("/feed.xml")):
            await reply_to(fake_telegram, ADMIN, f"/addsource {source}", "#")
        await reply_to(fake_telegram, USER, "/watch беспилотник", "#")
        await asyncio.sleep(2)

        now = datetime.now(UTC)
        fake_web.serve(
            "/s/kursk_gov",
            channel_page("kursk_gov", "Губернатор", [OLD, ChannelPost(2, EVENT, now)]),
        )
        await fake_telegram.wait_for(lambda: _alerts(fake_telegram), timeout=20)
        repost = ChannelPost(7, "⚡️Срочно: " + EVENT + "\n\nПодписаться на канал", now)
        fake_web.serve("/s/monitor_ua", channel_page("monitor_ua", "Монитор", [OLD, repost]))
        article = {
            "guid": "n1",
            "title": "Над Курской областью сбиты три беспилотника",
            "link": "https://kursk-news.example/2026/drones",
            "description": "Силами ПВО уничтожены три беспилотника, сообщил губернатор. "
            "Пострадавших нет, на месте работают оперативные службы.",
            "pub_date": now,
        }
        fake_web.serve("/feed.xml", rss([article], title="Курские новости"))

        def edited_with_both() -> bool:
            return any(
                "Монитор" in edit.text and "Курские новости" in edit.text
                for edit in fake_telegram.edits
                if edit.chat_id == USER
            )

        await fake_telegram.wait_for(edited_with_both, timeout=30)
        await asyncio.sleep(2)  # further polls must neither alert again nor re-edit
    finally:
        assert await lookout.stop() == 0, lookout.logs()
    (alert,) = _alerts(fake_telegram)
    assert "https://t.me/kursk_gov/2" in alert.text
    edits = [edit for edit in fake_telegram.edits if edit.chat_id == USER]
    assert {edit.message_id for edit in edits} == {alert.message_id}
    assert "Also:" in edits[-1].text
    assert len(edits) <= 2
