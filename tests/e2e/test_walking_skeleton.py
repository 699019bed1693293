"""A new feed item becomes one Telegram alert, through the real `lookout run` process."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from tests.e2e.process import LookoutProcess, reply_to, run_command
from tests.fakes.feeds import rss

if TYPE_CHECKING:
    from pathlib import Path

    from tests.fakes.telegram import FakeTelegram
    from tests.fakes.web import FakeWeb

pytestmark = pytest.mark.e2e

ADMIN = 1001
USER = 2002


def _item(guid: str, title: str, minutes_ago: int = 0) -> dict[str, object]:
    published = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {
        "guid": guid,
        "title": title,
        "link": f"https://news.example/{guid}",
        "description": f"{title}. Details follow.",
        "pub_date": published,
    }


def _pending_outbox(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM outbox WHERE state = 'pending'"
        ).fetchone()
    return int(count)


async def test_new_item_reaches_subscriber_once(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_web: FakeWeb
) -> None:
    items = [_item("old-1", "Drone seen near the bridge", 30), _item("old-2", "Market news", 20)]
    fake_web.serve("/feed.xml", rss(items, title="Border News"), content_type="application/rss+xml")
    lookout = LookoutProcess(
        tmp_path,
        LookoutProcess.environment(
            tmp_path,
            bot_token=fake_telegram.token,
            telegram_api_url=fake_telegram.api_url,
            admins=str(ADMIN),
        ),
    )
    await lookout.start()
    try:
        await reply_to(fake_telegram, ADMIN, f"/addsource {fake_web.url('/feed.xml')}", "Added")
        await reply_to(fake_telegram, USER, "/watch drone", "Watching")
        await reply_to(fake_telegram, USER, "/rules", "drone")
        # Several polls pass: the baseline items, drone or not, alert nobody.
        await asyncio.sleep(3)
        assert not [m for m in fake_telegram.messages_to(USER) if "old-1" in m.text]

        items = [
            _item("new-1", "Drones attacked a substation overnight"),
            _item("new-2", "Weather: rain expected"),
            *items,
        ]
        fake_web.serve("/feed.xml", rss(items, title="Border News"))
        link = "https://news.example/new-1"
        await fake_telegram.wait_for(
            lambda: any(link in m.text for m in fake_telegram.messages_to(USER)), timeout=20
        )
        await asyncio.sleep(3)  # more polls of the same feed must not repeat the alert

        alerts = [m for m in fake_telegram.messages_to(USER) if "news.example" in m.text]
        assert [m.text.count(link) for m in alerts] == [1]
        assert "Border News" in alerts[0].text
        assert "Drones attacked a substation" in alerts[0].text
        bold = {alerts[0].text[e["offset"] : e["offset"] + e["length"]] for e in alerts[0].entities}
        assert "Drones" in bold
        everyone = [m for m in fake_telegram.sent if "new-2" in m.text or "old-" in m.text]
        assert everyone == []
        assert not [m for m in fake_telegram.messages_to(ADMIN) if "news.example" in m.text]
    finally:
        code = await lookout.stop()
    assert code == 0, lookout.logs()
    assert _pending_outbox(tmp_path / "lookout.db") == 0


async def test_non_admin_cannot_add_sources(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_web: FakeWeb
) -> None:
    fake_web.serve("/feed.xml", rss([_item("a", "Drone")]))
    lookout = LookoutProcess(
        tmp_path,
        LookoutProcess.environment(
            tmp_path,
            bot_token=fake_telegram.token,
            telegram_api_url=fake_telegram.api_url,
            admins=str(ADMIN),
        ),
    )
    await lookout.start()
    try:
        await reply_to(fake_telegram, USER, f"/addsource {fake_web.url('/feed.xml')}", "only")
        await reply_to(fake_telegram, USER, "/sources", "No sources")
    finally:
        assert await lookout.stop() == 0, lookout.logs()


async def test_console_mode_prints_alerts_without_a_token(
    tmp_path: Path, fake_web: FakeWeb
) -> None:
    fake_web.serve("/feed.xml", rss([_item("old", "Drone over the river", 10)]))
    env = LookoutProcess.environment(tmp_path)
    code, out, err = await run_command(tmp_path, env, "sources", "add", fake_web.url("/feed.xml"))
    assert code == 0, err
    assert out.rstrip().endswith("added, 1 post kept as a baseline (never alerted)")
    assert "fetching" in err

    lookout = LookoutProcess(tmp_path, env)
    await lookout.start("--watch", "drone")
    try:
        await asyncio.sleep(2)
        fake_web.serve(
            "/feed.xml",
            rss(
                [
                    _item("fresh", "Drones over the district"),
                    _item("old", "Drone over the river", 10),
                ]
            ),
        )
        for _ in range(100):
            if "news.example/fresh" in lookout.stdout():
                break
            await asyncio.sleep(0.2)
    finally:
        assert await lookout.stop() == 0, lookout.logs()
    printed = lookout.stdout()
    assert printed.count("https://news.example/fresh") == 1, printed
    assert "maximum number of running instances" not in lookout.logs()
    assert "news.example/old" not in printed


async def test_console_mode_prints_a_story_update_when_another_source_reports_it(
    tmp_path: Path, fake_web: FakeWeb
) -> None:
    fake_web.serve("/a.xml", rss([], title="Wire A"))
    fake_web.serve("/b.xml", rss([], title="Wire B"))
    env = LookoutProcess.environment(tmp_path)
    for path in ("/a.xml", "/b.xml"):
        code, _out, err = await run_command(tmp_path, env, "sources", "add", fake_web.url(path))
        assert code == 0, err
    lookout = LookoutProcess(tmp_path, env)
    await lookout.start("--watch", "drone")
    try:
        await asyncio.sleep(2)
        report = _item("same", "Drones shot down over the district overnight")
        fake_web.serve("/a.xml", rss([report], title="Wire A"))
        for _ in range(100):
            if "Drones shot down" in lookout.stdout():
                break
            await asyncio.sleep(0.2)
        fake_web.serve("/b.xml", rss([report], title="Wire B"))
        for _ in range(100):
            if "[update]" in lookout.stdout():
                break
            await asyncio.sleep(0.2)
    finally:
        assert await lookout.stop() == 0, lookout.logs()
    printed = lookout.stdout()
    first, update = printed.split("[update]")
    assert first.count("Drones shot down") == 1, printed
    assert "also: Wire" in update, printed
