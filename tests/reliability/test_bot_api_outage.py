"""The Bot API unreachable for a minute, then throttling hard: nothing lost, nothing twice.

For 60 s sends meet what a real outage looks like from the client: a reverse proxy's
502 with an HTML page, requests that never get an answer, connections cut without
one. Then a 429 storm with ``retry_after`` 60. Alerts keep being queued all along
(the outbox); afterwards every chat has every alert exactly once.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from tests.reliability.scene import add_sources, feed, start_service, watch

if TYPE_CHECKING:
    from pathlib import Path

    from tests.fakes.telegram import FakeTelegram
    from tests.fakes.web import FakeWeb
    from tests.reliability.conftest import Figures

pytestmark = pytest.mark.reliability

POLL_INTERVAL = 2.0
CHATS = {4000 + n: "drone" for n in range(20)}
PHASE = 20.0


async def test_an_outage_and_a_429_storm_lose_nothing_and_repeat_nothing(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_web: FakeWeb, figures: Figures
) -> None:
    path = "/feed"
    items = [("b1", "baseline")]
    fake_web.serve(path, feed(path, *items))
    await add_sources(
        f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}",
        [fake_web.url(path)],
        fake_web,
        poll_interval=POLL_INTERVAL,
    )
    lookout = await start_service(tmp_path, fake_telegram, poll_interval=POLL_INTERVAL)
    published: list[str] = []

    def publish() -> None:
        tag = f"item{len(published)}"
        published.append(tag)
        # Unrelated words each time, so every item is its own story.
        text = f"drone {tag} {secrets.token_hex(6)} {secrets.token_hex(6)}"
        items.insert(0, (tag, text))
        fake_web.serve(path, feed(path, *items))

    try:
        await watch(fake_telegram, CHATS)
        started = time.monotonic()
        for mode in ("proxy_502", "hang", "cut"):
            fake_telegram.outage(mode)
            publish()
            await asyncio.sleep(PHASE)
        fake_telegram.recover()
        outage = time.monotonic() - started
        fake_telegram.fail_next(1, status=429, retry_after=60)
        publish()
        recovered = time.monotonic()

        def delivered() -> Counter[tuple[int, str]]:
            return Counter(
                (chat, tag)
                for chat in CHATS
                for message in fake_telegram.messages_to(chat)
                for tag in published
                if f"{tag} " in message.visible_text
            )

        await fake_telegram.wait_for(
            lambda: len(delivered()) == len(CHATS) * len(published), timeout=180
        )
        caught_up = time.monotonic() - recovered
        await asyncio.sleep(5)  # any duplicate would come now
        counts = delivered()
        assert lookout.process is not None
        assert lookout.process.returncode is None
    finally:
        await lookout.stop()

    expected = len(CHATS) * len(published)
    scenario = "Bot API outage, then 429"
    figures.add(scenario, "outage (502 HTML, hang, cut), s", f"{outage:.0f}")
    figures.add(scenario, "requests that met the outage", fake_telegram.outage_hits)
    figures.add(scenario, "alerts expected", expected)
    figures.add(scenario, "alerts delivered", sum(1 for n in counts.values() if n))
    figures.add(scenario, "delivered twice", sum(1 for n in counts.values() if n > 1))
    figures.add(scenario, "caught up after recovery, s", f"{caught_up:.0f}")
    assert len(counts) == expected
    assert max(counts.values()) == 1
