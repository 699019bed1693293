"""Fifty hostile sources beside ten good ones, through the real `lookout run`.

Every way a source has broken the poll loop or held it up: undecodable redirect
targets, HTML bombs, ids, links and ETags too long for their columns, a server
dribbling one byte a second, a redirect loop, 502 pages, 429 with Retry-After, bytes
that are no feed. The good sources' alerts must still arrive within two poll
intervals, and the service must keep running.
"""

from __future__ import annotations

import asyncio
import secrets
import statistics
import time
from typing import TYPE_CHECKING

import pytest

from tests.fakes.web import FakeWeb
from tests.reliability.scene import add_sources, feed, rss_kib, start_service, watch

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.fakes.telegram import FakeTelegram
    from tests.reliability.conftest import Figures

pytestmark = pytest.mark.reliability

POLL_INTERVAL = 5.0
HOSTILE_HOST = "127.0.0.2"
GOOD = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "kilo"]
COPIES = 5


def hostile_kinds(web: FakeWeb) -> dict[str, Callable[[str], None]]:
    def bomb(path: str, description: str, **headers: str) -> None:
        body = feed(path, ("b1", "baseline"))
        body = body.replace(b"<description>baseline</description>", description.encode())
        web.serve(path, body, headers=headers)

    def slow(path: str) -> None:
        web.serve(path, feed(path, ("s1", "slow")))
        web.dribble(path, 1.0)

    return {
        "idna_redirect": lambda p: web.redirect(p, "http://xn--/"),
        "emoji_redirect": lambda p: web.redirect(p, "http://☃️.example/"),
        "nested_divs": lambda p: bomb(
            p, "<description><![CDATA[" + "<div>" * 40_000 + "]]></description>"
        ),
        "flat_paragraphs": lambda p: bomb(
            p, "<description><![CDATA[" + "<p>x</p>" * 250_000 + "]]></description>"
        ),
        "long_ids": lambda p: web.serve(
            p,
            feed(p, ("g" * 5000, "long guid")).replace(
                b"<link>", b"<link>https://news.example/" + b"a" * 3000 + b"#", 1
            ),
            headers={"ETag": '"' + "e" * 2000 + '"'},
        ),
        "slow_server": slow,
        "redirect_loop": lambda p: web.redirect(p, p),
        "bad_gateway": lambda p: web.fail(
            p, 502, body="<html><body><h1>502 Bad Gateway</h1></body></html>"
        ),
        "throttled": lambda p: web.fail(p, 429, retry_after="60"),
        "not_a_feed": lambda p: web.serve(p, b"\x00\xff" * 5000, "application/octet-stream"),
    }


async def arrival_times(
    telegram: FakeTelegram, chats: dict[int, str], tag: str, within: float
) -> list[float]:
    """Seconds until each chat got the alert with its word and ``tag``."""
    published = time.monotonic()
    arrived: dict[int, float] = {}

    def all_arrived() -> bool:
        for chat, word in chats.items():
            texts = (m.visible_text for m in telegram.messages_to(chat))
            if chat not in arrived and any(f"{word} {tag}" in text for text in texts):
                arrived[chat] = time.monotonic() - published
        return len(arrived) == len(chats)

    await telegram.wait_for(all_arrived, timeout=within)
    return list(arrived.values())


async def test_good_sources_alert_in_time_beside_fifty_hostile_ones(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_web: FakeWeb, figures: Figures
) -> None:
    # The hostile sources live on a host of their own, as they would: the fetcher's
    # per-host limit is there to hold a slow host back, and holds only that host.
    async with FakeWeb(HOSTILE_HOST) as hostile_web:
        await run_scenario(tmp_path, fake_telegram, fake_web, hostile_web, figures)


async def run_scenario(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    fake_web: FakeWeb,
    hostile_web: FakeWeb,
    figures: Figures,
) -> None:
    kinds = hostile_kinds(hostile_web)
    good_paths = [f"/good/{word}" for word in GOOD]
    hostile_paths = [f"/hostile/{kind}/{n}" for kind in kinds for n in range(COPIES)]
    for path in good_paths:
        fake_web.serve(path, feed(path, ("b1", "baseline")))
    for path in hostile_paths:
        hostile_web.serve(path, feed(path, ("b1", "baseline")))
    await add_sources(
        f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}",
        [fake_web.url(path) for path in good_paths]
        + [hostile_web.url(path) for path in hostile_paths],
        fake_web,
        poll_interval=POLL_INTERVAL,
    )
    for path in hostile_paths:
        kinds[path.split("/")[2]](path)

    lookout = await start_service(tmp_path, fake_telegram, poll_interval=POLL_INTERVAL)
    chats = {3000 + n: word for n, word in enumerate(GOOD)}
    try:
        await watch(fake_telegram, chats)
        # Let the hostile sources do their worst for a few rounds first.
        await asyncio.sleep(3 * POLL_INTERVAL)
        latencies: list[float] = []
        for tag in ("n0", "n1"):
            for path, word in zip(good_paths, GOOD, strict=True):
                # Unrelated texts: stories must not fold one feed's item into another's.
                text = f"{word} {tag} {secrets.token_hex(6)} {secrets.token_hex(6)}"
                body = feed(path, (tag, text), ("b1", "baseline"))
                fake_web.serve(path, body)
            latencies += await arrival_times(fake_telegram, chats, tag, 6 * POLL_INTERVAL)
        assert lookout.process is not None
        assert lookout.process.returncode is None
        memory = rss_kib(f"/proc/{lookout.process.pid}/status")
    finally:
        await lookout.stop()

    scenario = "50 hostile + 10 good sources"
    figures.add(scenario, "poll interval, s", POLL_INTERVAL)
    figures.add(scenario, "good alerts delivered", f"{len(latencies)}/{2 * len(GOOD)}")
    figures.add(scenario, "alert latency p50, s", f"{statistics.median(latencies):.1f}")
    figures.add(scenario, "alert latency max, s", f"{max(latencies):.1f}")
    figures.add(scenario, "service RSS, MiB", memory // 1024)
    assert max(latencies) <= 2 * POLL_INTERVAL
