"""kill -9 in the middle of a broadcast, twenty times, restarting on the same database.

Each round publishes one new item that fifty chats watch, kills the service with
SIGKILL once a random number of its alerts have gone out, and starts it again. The
outbox makes delivery at-least-once: nothing may be lost, and a crash may repeat at
most the one message per chat that was in flight when it died.
"""

from __future__ import annotations

import random
import secrets
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

POLL_INTERVAL = 1.0
CHATS = {5000 + n: "drone" for n in range(50)}
CRASHES = 20


async def test_kill_9_during_broadcasts_loses_nothing(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_web: FakeWeb, figures: Figures
) -> None:
    chooser = random.Random(10)
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
    tags: list[str] = []

    def sent_of(tag: str) -> int:
        return sum(
            1
            for chat in CHATS
            for message in fake_telegram.messages_to(chat)
            if f"{tag} " in message.visible_text
        )

    def counts() -> Counter[tuple[int, str]]:
        return Counter(
            (chat, tag)
            for chat in CHATS
            for message in fake_telegram.messages_to(chat)
            for tag in tags
            if f"{tag} " in message.visible_text
        )

    try:
        await watch(fake_telegram, CHATS)
        for crash in range(CRASHES):
            tag = f"item{crash}"
            tags.append(tag)
            items.insert(0, (tag, f"drone {tag} {secrets.token_hex(6)} {secrets.token_hex(6)}"))
            fake_web.serve(path, feed(path, *items))
            point = chooser.randint(1, len(CHATS) - 1)

            def reached(tag: str = tag, point: int = point) -> bool:
                return sent_of(tag) >= point

            await fake_telegram.wait_for(reached, timeout=60)
            await lookout.kill()
            lookout = await start_service(tmp_path, fake_telegram, poll_interval=POLL_INTERVAL)
        await fake_telegram.wait_for(
            lambda: (
                all(sent_of(tag) >= len(CHATS) for tag in tags)
                and len(counts()) == len(CHATS) * len(tags)
            ),
            timeout=240,
        )
    finally:
        await lookout.stop()

    final = counts()
    duplicates_per_chat = Counter(chat for (chat, _tag), n in final.items() for _ in range(n - 1))
    scenario = f"kill -9 x{CRASHES}, 50 chats"
    figures.add(scenario, "alerts expected", len(CHATS) * len(tags))
    figures.add(scenario, "alerts lost", len(CHATS) * len(tags) - len(final))
    figures.add(scenario, "duplicates in all", sum(duplicates_per_chat.values()))
    figures.add(
        scenario, "most duplicates in one chat", max(duplicates_per_chat.values(), default=0)
    )
    assert len(final) == len(CHATS) * len(tags)
    assert max(final.values()) <= 2
    assert max(duplicates_per_chat.values(), default=0) <= CRASHES
