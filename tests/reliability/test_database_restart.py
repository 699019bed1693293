"""PostgreSQL restarted under a running service: it recovers by itself, nothing is lost.

The service runs on PostgreSQL; the server is stopped for a while (a new item is
published meanwhile) and started again on the same data. The alerts of the item
published during the outage must arrive within 10 s of the database being back.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import TYPE_CHECKING

import psycopg
import pytest

from tests.reliability.scene import add_sources, feed, start_service, watch

if TYPE_CHECKING:
    from pathlib import Path

    from tests.fakes.telegram import FakeTelegram
    from tests.fakes.web import FakeWeb
    from tests.postgres import PostgresServer
    from tests.reliability.conftest import Figures

pytestmark = pytest.mark.reliability

POLL_INTERVAL = 1.0
CHATS = {6000 + n: "drone" for n in range(10)}
DOWN = 15.0


async def test_a_postgresql_restart_is_survived_without_loss(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    fake_web: FakeWeb,
    postgres_server: PostgresServer,
    figures: Figures,
) -> None:
    with psycopg.connect(
        host=postgres_server.host,
        port=postgres_server.port,
        user=postgres_server.user,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute('CREATE DATABASE "lookout_restart"')
    database_url = postgres_server.url("lookout_restart")
    path = "/feed"
    items = [("b1", "baseline")]
    fake_web.serve(path, feed(path, *items))
    await add_sources(database_url, [fake_web.url(path)], fake_web, poll_interval=POLL_INTERVAL)
    lookout = await start_service(
        tmp_path, fake_telegram, poll_interval=POLL_INTERVAL, database_url=database_url
    )
    tags: list[str] = []

    def publish() -> None:
        tag = f"item{len(tags)}"
        tags.append(tag)
        items.insert(0, (tag, f"drone {tag} {secrets.token_hex(6)} {secrets.token_hex(6)}"))
        fake_web.serve(path, feed(path, *items))

    def everyone_has(tag: str) -> bool:
        return all(
            any(f"{tag} " in m.visible_text for m in fake_telegram.messages_to(chat))
            for chat in CHATS
        )

    try:
        await watch(fake_telegram, CHATS)
        publish()
        await fake_telegram.wait_for(lambda: everyone_has("item0"), timeout=30)
        await asyncio.to_thread(postgres_server.executor.stop)
        publish()
        await asyncio.sleep(DOWN)
        await asyncio.to_thread(postgres_server.executor.start)
        back = time.monotonic()
        await fake_telegram.wait_for(lambda: everyone_has("item1"), timeout=60)
        recovered = time.monotonic() - back
        publish()
        await fake_telegram.wait_for(lambda: everyone_has("item2"), timeout=30)
        assert lookout.process is not None
        alive = lookout.process.returncode is None
    finally:
        await lookout.stop()

    scenario = "PostgreSQL restart"
    figures.add(scenario, "database down, s", f"{DOWN:g}")
    figures.add(scenario, "alerts delivered", f"{len(CHATS) * len(tags)}/{len(CHATS) * len(tags)}")
    figures.add(scenario, "recovered after the database was back, s", f"{recovered:.1f}")
    figures.add(scenario, "service kept running", alive)
    assert alive
    assert recovered <= 10
