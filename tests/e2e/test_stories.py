"""Stories end to end: one event reported by several sources is one alert, edited to name
the others (also in another wording and another language); one channel's repeated
warnings are each an alert."""

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


async def _start(tmp_path: Path, fake_telegram: FakeTelegram, fake_web: FakeWeb) -> LookoutProcess:
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
    # Start-up loads the lexicon (seconds of CPU): on a busy machine that outlasts the
    # first command's wait, which is about answering, not starting.
    await fake_telegram.wait_for(lambda: fake_telegram.polling, timeout=120)
    return lookout


def _to_user(fake: FakeTelegram, marker: str) -> list[SentMessage]:
    return [m for m in fake.messages_to(USER) if marker in m.text]


async def test_a_channels_burst_and_repeated_warnings_each_alert(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_web: FakeWeb
) -> None:
    # Regression: 30 numbered alerts between two polls gave one alert, and the 08:20
    # warning joined the 08:00 one.
    fake_web.serve("/s/bryansk_alarm", channel_page("bryansk_alarm", "Тревога", [OLD]))
    fake_web.serve("/s/bel_gov", channel_page("bel_gov", "Губернатор", [OLD]))
    lookout = await _start(tmp_path, fake_telegram, fake_web)
    try:
        for source in ("@bryansk_alarm", "@bel_gov"):
            await reply_to(fake_telegram, ADMIN, f"/addsource {source}", "#")
        await reply_to(fake_telegram, USER, "/watch укрытие OR отбой", "#")
        await asyncio.sleep(2)

        now = datetime.now(UTC)
        burst = [
            ChannelPost(
                1 + n,
                f"Воздушная тревога №{n}. Пройдите в укрытие.",
                now - timedelta(seconds=60 - n),
            )
            for n in range(1, 31)
        ]
        fake_web.serve("/s/bryansk_alarm", channel_page("bryansk_alarm", "Тревога", [OLD, *burst]))
        warning = "Ракетная опасность. Всем находящимся на улице — пройти в укрытие."
        morning = [
            ChannelPost(2, warning, now - timedelta(minutes=20)),
            ChannelPost(3, "Отбой ракетной опасности.", now - timedelta(minutes=8)),
            ChannelPost(4, warning, now),
        ]
        fake_web.serve("/s/bel_gov", channel_page("bel_gov", "Губернатор", [OLD, *morning]))
        await fake_telegram.wait_for(
            lambda: (
                len(_to_user(fake_telegram, "Воздушная тревога №")) >= 30
                and len(_to_user(fake_telegram, "t.me/bel_gov/")) >= 3
            ),
            timeout=90,
        )
        await asyncio.sleep(2)
    finally:
        assert await lookout.stop() == 0, lookout.logs()
    alarms = _to_user(fake_telegram, "Воздушная тревога №")
    assert sorted({m.text.split("№")[1].split(".")[0] for m in alarms}, key=int) == [
        str(n) for n in range(1, 31)
    ]
    assert len(alarms) == 30
    assert len(_to_user(fake_telegram, "t.me/bel_gov/")) == 3


async def test_a_report_its_paraphrase_and_a_ukrainian_report_are_one_alert_edited_twice(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_web: FakeWeb
) -> None:
    fake_web.serve("/s/kursk_gov", channel_page("kursk_gov", "Губернатор", [OLD]))
    fake_web.serve("/s/zerkalo_ua", channel_page("zerkalo_ua", "Дзеркало", [OLD]))
    fake_web.serve("/feed.xml", rss([], title="Сейм-инфо"))
    lookout = await _start(tmp_path, fake_telegram, fake_web)
    try:
        for source in ("@kursk_gov", "@zerkalo_ua", fake_web.url("/feed.xml")):
            await reply_to(fake_telegram, ADMIN, f"/addsource {source}", "#")
        await reply_to(fake_telegram, USER, "/watch region:kursk", "#")
        await asyncio.sleep(2)

        now = datetime.now(UTC)
        report = ChannelPost(
            2,
            "В Рыльске беспилотник ВСУ атаковал автомобиль, пострадали двое мирных жителей. "
            "Оба доставлены в Рыльскую ЦРБ, им оказывается вся необходимая помощь.",
            now,
        )
        fake_web.serve("/s/kursk_gov", channel_page("kursk_gov", "Губернатор", [OLD, report]))
        await fake_telegram.wait_for(lambda: _to_user(fake_telegram, "t.me/kursk_gov/2"), 20)
        paraphrase = {
            "guid": "r1",
            "title": "Беспилотник атаковал автомобиль в Рыльске Курской области, пострадали двое",
            "link": "https://seyminfo.example/2026/rylsk",
            "description": "Водитель и пассажирка госпитализированы, сообщил глава региона.",
            "pub_date": now,
        }
        fake_web.serve("/feed.xml", rss([paraphrase], title="Сейм-инфо"))
        ukrainian = ChannelPost(
            5,
            "У Рильську Курської області безпілотник атакував автомобіль, двоє людей "
            "поранені, — повідомив губернатор регіону.",
            now,
        )
        fake_web.serve("/s/zerkalo_ua", channel_page("zerkalo_ua", "Дзеркало", [OLD, ukrainian]))

        def edited_with_both() -> bool:
            return any(
                "Сейм-инфо" in edit.text and "Дзеркало" in edit.text
                for edit in fake_telegram.edits
                if edit.chat_id == USER
            )

        await fake_telegram.wait_for(edited_with_both, timeout=40)
        await asyncio.sleep(2)
    finally:
        assert await lookout.stop() == 0, lookout.logs()
    # One alert: neither the feed's paraphrase nor the Ukrainian report alerted again.
    (alert,) = [
        m for m in fake_telegram.messages_to(USER) if "Рыльск" in m.text or "Рильськ" in m.text
    ]
    assert "https://t.me/kursk_gov/2" in alert.text
    edits = [edit for edit in fake_telegram.edits if edit.chat_id == USER]
    assert {edit.message_id for edit in edits} == {alert.message_id}
    assert 1 <= len(edits) <= 2


async def test_an_update_with_a_new_casualty_count_answers_the_first_alert(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_web: FakeWeb
) -> None:
    fake_web.serve("/s/kursk_gov", channel_page("kursk_gov", "Губернатор", [OLD]))
    lookout = await _start(tmp_path, fake_telegram, fake_web)
    try:
        await reply_to(fake_telegram, ADMIN, "/addsource @kursk_gov", "#")
        await reply_to(fake_telegram, USER, "/watch Рыльск", "#")
        await asyncio.sleep(2)

        now = datetime.now(UTC)
        report = ChannelPost(
            2,
            "В Рыльске беспилотник ВСУ атаковал автомобиль, пострадали двое мирных жителей. "
            "Оба доставлены в Рыльскую ЦРБ.",
            now - timedelta(minutes=5),
        )
        fake_web.serve("/s/kursk_gov", channel_page("kursk_gov", "Губернатор", [OLD, report]))
        await fake_telegram.wait_for(lambda: _to_user(fake_telegram, "t.me/kursk_gov/2"), 20)
        update = ChannelPost(
            3, "Уточнение: пострадавших в Рыльске трое. В больницу обратился ещё один мужчина.", now
        )
        fake_web.serve(
            "/s/kursk_gov", channel_page("kursk_gov", "Губернатор", [OLD, report, update])
        )
        await fake_telegram.wait_for(lambda: _to_user(fake_telegram, "t.me/kursk_gov/3"), 30)
        await asyncio.sleep(2)  # further polls must not send it again
    finally:
        assert await lookout.stop() == 0, lookout.logs()
    (first,) = _to_user(fake_telegram, "t.me/kursk_gov/2")
    (threaded,) = _to_user(fake_telegram, "t.me/kursk_gov/3")
    assert "трое" in threaded.visible_text
    # Shown in the chat as an answer to the first alert, which still exists there.
    assert threaded.reply_to_message_id == first.message_id
    assert threaded.reply_parameters is not None
    assert threaded.reply_parameters["message_id"] == first.message_id
