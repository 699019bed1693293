"""Several real `lookout run` processes on one PostgreSQL: the work is shared, not doubled,
and a killed process's work is taken over."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import psycopg
import pytest

from tests.e2e.process import LookoutProcess, run_command
from tests.fakes.feeds import rss
from tests.fakes.web import FakeWeb
from tests.postgres import create_database

if TYPE_CHECKING:
    from pathlib import Path

    from tests.postgres import PostgresServer

pytestmark = pytest.mark.e2e

SOURCES = 120
INTERVAL = 2.0
WINDOW = 8 * INTERVAL
FAILOVER_LIMIT = 15.0
# Separate events: alike texts would rightly join one story and make one alert.
EVENTS = [
    "Drone attack on a power substation near Kursk",
    "Air defence downed a drone over Belgorod at night",
    "Drone debris fell on a school roof in Sumy",
    "Kharkiv: a drone hit a grain warehouse",
    "Bryansk governor reports a drone strike on a dairy farm",
    "Drone spotted circling the railway bridge in Rylsk",
    "Two drones shot down over Shebekino this morning",
    "A drone struck a delivery van in Sudzha district",
]


def _item(guid: str, title: str) -> dict[str, object]:
    return {
        "guid": guid,
        "title": title,
        "link": f"https://n.example/{guid}",
        "pub_date": datetime.now(UTC),
    }


async def _import(tmp_path: Path, env: dict[str, str], fake_web: FakeWeb, count: int) -> None:
    await _import_urls(tmp_path, env, [fake_web.url(f"/f/{number}.xml") for number in range(count)])


async def _import_urls(tmp_path: Path, env: dict[str, str], urls: list[str]) -> None:
    listing = tmp_path / "sources.yaml"
    listing.write_text("sources:\n" + "".join(f"  - {url}\n" for url in urls), encoding="utf-8")
    code, _out, err = await run_command(tmp_path, env, "sources", "import", str(listing))
    assert code == 0, err


def _events(process: LookoutProcess, event: str) -> list[dict[str, object]]:
    found = []
    for line in process.stderr_path.read_text(errors="replace").splitlines():
        if f'"{event}"' in line:
            record = json.loads(line)
            if record.get("event") == event:
                found.append(record)
    return found


async def _wait_until(predicate: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


async def _start(tmp_path: Path, name: str, env: dict[str, str], *args: str) -> LookoutProcess:
    workdir = tmp_path / name
    workdir.mkdir()
    process = LookoutProcess(workdir, env)
    await process.start(*args)
    return process


async def test_three_pollers_never_fetch_one_source_within_half_an_interval(
    tmp_path: Path, fake_web: FakeWeb, postgres_server: PostgresServer
) -> None:
    for number in range(SOURCES):
        fake_web.serve(f"/f/{number}.xml", rss([_item(f"{number}-0", "Market news")]))
    url = create_database(postgres_server)
    base = LookoutProcess.environment(tmp_path, database_url=url, poll_interval=str(INTERVAL))
    await _import(tmp_path, base, fake_web, SOURCES)
    processes = [
        await _start(
            tmp_path,
            f"p{k}",
            base | {"LOOKOUT_CONTACT_URL": f"https://p{k}.example"},
            "--role",
            "poller",
        )
        for k in range(3)
    ]
    try:
        await _wait_until(
            lambda: all(_events(p, "service_started") for p in processes), 120, "start-up"
        )
        started = time.monotonic()
        await asyncio.sleep(WINDOW)
    finally:
        codes = [await process.stop() for process in processes]
    assert codes == [0, 0, 0]

    by_process: dict[str, int] = defaultdict(int)
    unpolled = []
    clashes = []
    for number in range(SOURCES):
        seen = [
            (r.at, r.headers.get("User-Agent", ""))
            for r in fake_web.requests_for(f"/f/{number}.xml")
            if "example;" in r.headers.get("User-Agent", "")
        ]
        for at, agent in seen:
            if at >= started:
                by_process[agent] += 1
        if not any(at >= started for at, _ in seen):
            unpolled.append(number)
        for (at, agent), (next_at, next_agent) in itertools.pairwise(seen):
            if agent != next_agent and next_at - at < INTERVAL / 2:
                clashes.append((number, agent, next_agent, round(next_at - at, 3)))
    print(f"polls per process over {WINDOW:g} s: {dict(by_process)}")
    assert clashes == []
    assert unpolled == [], "every source is polled by one process or another"
    assert len(by_process) >= 2, f"the work is shared: {dict(by_process)}"


async def test_killing_the_sender_and_a_poller_loses_no_alert(
    tmp_path: Path, fake_web: FakeWeb, postgres_server: PostgresServer
) -> None:
    count = len(EVENTS)
    for number in range(count):
        fake_web.serve(f"/f/{number}.xml", rss([_item(f"{number}-0", "Market news")]))
    url = create_database(postgres_server)
    base = LookoutProcess.environment(tmp_path, database_url=url, poll_interval="1")
    await _import(tmp_path, base, fake_web, count)
    first = await _start(tmp_path, "first", base, "--watch", "drone")
    await _wait_until(lambda: _events(first, "role_lock_acquired"), 120, "the first sender")
    second = await _start(tmp_path, "second", base, "--watch", "drone")
    try:
        await _wait_until(lambda: _events(second, "role_lock_standby"), 120, "a standby")
        await first.kill()  # SIGKILL: no goodbye, its leases and lock are left behind
        killed = time.monotonic()
        await _wait_until(
            lambda: _events(second, "role_lock_acquired"), FAILOVER_LIMIT, "the standby"
        )
        failover = time.monotonic() - killed
        print(f"sender failover after kill -9: {failover:.1f} s")

        for number in range(count):
            fresh = _item(f"{number}-1", EVENTS[number])
            fake_web.serve(f"/f/{number}.xml", rss([fresh, _item(f"{number}-0", "Market news")]))
        links = [f"https://n.example/{number}-1" for number in range(count)]
        # The killed process's claims lapse after the lease (30 s at this interval).
        await _wait_until(lambda: all(link in second.stdout() for link in links), 90, "every alert")
        await asyncio.sleep(3)
        assert [second.stdout().count(link) for link in links] == [1] * count
        assert not any(link in first.stdout() for link in links)
    finally:
        await first.kill()
        assert await second.stop() == 0, second.logs()


def _stories(url: str) -> tuple[set[int], int]:
    """The stories of the posts that are not a baseline, and the alerts queued."""
    with psycopg.connect(url.replace("postgresql+asyncpg://", "postgresql://")) as connection:
        stories = {
            story
            for (story,) in connection.execute("SELECT story_id FROM posts WHERE NOT baseline")
        }
        (alerts,) = connection.execute("SELECT count(*) FROM outbox").fetchone() or (0,)
    return stories, int(alerts)


async def test_two_pollers_seeing_one_event_at_once_open_one_story(
    tmp_path: Path, fake_web: FakeWeb, postgres_server: PostgresServer
) -> None:
    # Ten hosts: each poller owns some (`alerts.ingest.spread`), so both store reports.
    others = [await FakeWeb.start(f"127.0.0.{40 + k}") for k in range(1, 10)]
    try:
        await _two_pollers_open_one_story(tmp_path, [fake_web, *others], postgres_server)
    finally:
        for web in others:
            await web.close()


async def _two_pollers_open_one_story(
    tmp_path: Path, webs: list[FakeWeb], postgres_server: PostgresServer
) -> None:
    def web_of(number: int) -> FakeWeb:
        return webs[number % len(webs)]

    count = 20
    for number in range(count):
        web_of(number).serve(
            f"/f/{number}.xml", rss([_item(f"{number}-0", f"Market news {number}")])
        )
    url = create_database(postgres_server)
    # Long enough that a host's owner, ticking every second, claims its sources before
    # their grace for the other poller ends (a quarter of the interval); at one second
    # the grace is shorter than a tick and either poller may take everything.
    base = LookoutProcess.environment(tmp_path, database_url=url, poll_interval="8")
    await _import_urls(
        tmp_path, base, [web_of(number).url(f"/f/{number}.xml") for number in range(count)]
    )
    # One after the other: two processes writing the console's rules at once collide.
    pollers = [await _start(tmp_path, "p0", base, "--role", "poller", "--watch", "drone")]
    try:
        await _wait_until(lambda: _events(pollers[0], "service_started"), 120, "the first")
        pollers.append(await _start(tmp_path, "p1", base, "--role", "poller", "--watch", "drone"))
        # Both are ticking once their story windows are built.
        await _wait_until(
            lambda: all(_events(p, "stories_rebuilt") for p in pollers), 120, "start-up"
        )
        # Until the first reads the live pollers again, it takes every host as its own.
        await _wait_until(
            lambda: all(
                any(record.get("pollers") == 2 for record in _events(p, "poller_spread_changed"))
                for p in pollers
            ),
            30,
            "both pollers seeing each other",
        )
        # Every source reports the same event within seconds, as wires repeat a governor's
        # post; in waves, so that both pollers, whichever claims first, store some.
        report = "Drone attack on a power substation near Kursk, the governor says"
        for number in range(count):
            fresh = {**_item(f"{number}-1", report), "link": "https://gov.example/drone-attack"}
            old = _item(f"{number}-0", f"Market news {number}")
            web_of(number).serve(f"/f/{number}.xml", rss([fresh, old]))
            if number % 5 == 4:
                await asyncio.sleep(1.5)
        await _wait_until(lambda: len(_stored(pollers)) >= count, 60, "every report stored")
    finally:
        codes = [await poller.stop() for poller in pollers]
    assert codes == [0, 0]
    stored = _stored(pollers)
    print(f"reports stored per poller: {[len(_events(p, 'source_polled')) for p in pollers]}")
    assert all(_events(p, "source_polled") for p in pollers), "both pollers stored reports"
    stories, alerts = _stories(url)
    assert len(stored) == count
    assert len(stories) == 1
    assert alerts == 1  # the console's one rule, one alert for the story


def _stored(pollers: list[LookoutProcess]) -> list[dict[str, object]]:
    return [
        record
        for poller in pollers
        for record in _events(poller, "source_polled")
        if record.get("new_posts")
    ]


SCALE_SOURCES = 500
# Three processes on two shared cores poll 500 feeds on time at this interval, not at 5 s.
SCALE_INTERVAL = 15.0
SCALE_WINDOW = 3 * SCALE_INTERVAL
# Each poller keeps the hosts it owns (`alerts.ingest.spread`): the feeds are spread over
# enough hosts that each of three processes owns some of them.
SCALE_HOSTS = 20


def _sharing(
    webs: list[FakeWeb], paths: list[str], start: float, end: float
) -> tuple[dict[str, int], list[str], list[tuple[str, str, str, float]]]:
    """Polls per process (named in its User-Agent) between `start` and `end`, the feeds
    none polled then, and every fetch of a feed by another process within half an interval."""
    fetches: dict[str, list[tuple[float, str]]] = defaultdict(list)
    requests = sorted((seen for web in webs for seen in web.requests), key=lambda seen: seen.at)
    for seen in requests:
        agent = seen.headers.get("User-Agent", "")
        if "example;" in agent:
            name = agent.split("+https://")[1].split(".")[0]
            fetches[seen.path].append((seen.at, name))
    polls: dict[str, int] = defaultdict(int)
    unpolled, clashes = [], []
    for path in paths:
        window = [name for at, name in fetches[path] if start <= at <= end]
        for name in window:
            polls[name] += 1
        if not window:
            unpolled.append(path)
        for (at, name), (next_at, next_name) in itertools.pairwise(fetches[path]):
            if name != next_name and next_at - at < SCALE_INTERVAL / 2:
                clashes.append((path, name, next_name, round(next_at - at, 3)))
    return dict(polls), unpolled, clashes


@pytest.mark.reliability
async def test_three_processes_over_500_sources_survive_kill_9_of_a_poller_and_the_sender(
    tmp_path: Path, fake_web: FakeWeb, postgres_server: PostgresServer
) -> None:
    """The issue's scenario at its size: A (all, the active sender), B (all, a standby) and
    C (a poller) share 500 feeds on 20 hosts; new posts appear, and half an interval later
    A and C are killed with SIGKILL while their polls and deliveries may be in flight."""
    others = [await FakeWeb.start(f"127.0.0.{10 + k}") for k in range(1, SCALE_HOSTS)]
    try:
        await _three_processes_survive_kill_9(tmp_path, [fake_web, *others], postgres_server)
    finally:
        for web in others:
            await web.close()


async def _three_processes_survive_kill_9(
    tmp_path: Path, webs: list[FakeWeb], postgres_server: PostgresServer
) -> None:
    paths = [f"/f/{number}.xml" for number in range(SCALE_SOURCES)]

    def web_of(number: int) -> FakeWeb:
        return webs[number % len(webs)]

    for number, path in enumerate(paths):
        web_of(number).serve(path, rss([_item(f"{number}-0", "Market news")]))
    url = create_database(postgres_server)
    base = LookoutProcess.environment(tmp_path, database_url=url, poll_interval=str(SCALE_INTERVAL))
    await _import_urls(
        tmp_path, base, [web_of(number).url(path) for number, path in enumerate(paths)]
    )

    def named(name: str) -> dict[str, str]:
        return base | {"LOOKOUT_CONTACT_URL": f"https://{name}.example"}

    a = await _start(tmp_path, "a", named("a"), "--watch", "drone")
    await _wait_until(lambda: _events(a, "role_lock_acquired"), 120, "A holding the sender")
    b = await _start(tmp_path, "b", named("b"), "--watch", "drone")
    c = await _start(tmp_path, "c", named("c"), "--role", "poller")
    try:
        await _wait_until(
            lambda: _events(b, "role_lock_standby") and _events(c, "service_started"),
            120,
            "B standing by and C polling",
        )
        shared_from = time.monotonic()
        await asyncio.sleep(SCALE_WINDOW)
        shared_until = time.monotonic()

        # Eight sources far apart, so each process is likely to hold some of them.
        fresh = [number * (SCALE_SOURCES // len(EVENTS)) for number in range(len(EVENTS))]
        for number, event in zip(fresh, EVENTS, strict=True):
            items = [_item(f"{number}-1", event), _item(f"{number}-0", "Market news")]
            web_of(number).serve(paths[number], rss(items))
        await asyncio.sleep(SCALE_INTERVAL / 2)
        await a.kill()
        await c.kill()
        killed = time.monotonic()
        await _wait_until(
            lambda: _events(b, "role_lock_acquired"), FAILOVER_LIMIT, "B taking over sending"
        )
        failover = time.monotonic() - killed
        links = [f"https://n.example/{number}-1" for number in fresh]

        def alerted() -> list[int]:
            return [a.stdout().count(link) + b.stdout().count(link) for link in links]

        # The killed processes' claims lapse after their lease (two intervals).
        await _wait_until(lambda: all(alerted()), 180, "every new post alerted")
        alerted_after = time.monotonic() - killed
        await asyncio.sleep(3)
        counts = alerted()
    finally:
        await a.kill()
        await c.kill()
        code = await b.stop()
    assert code == 0, b.logs()

    polls, unpolled, clashes = _sharing(webs, paths, shared_from, shared_until)
    print(
        f"{SCALE_SOURCES} sources, 3 processes, polls per process over "
        f"{shared_until - shared_from:.0f} s: {dict(sorted(polls.items()))}; "
        f"sender failover after kill -9: {failover:.1f} s; every new post alerted "
        f"{alerted_after:.1f} s after the kill; alerts per post: {counts}"
    )
    assert clashes == []
    assert unpolled == [], "every source is polled by one process or another"
    assert set(polls) == {"a", "b", "c"}, f"the work is shared: {dict(polls)}"
    assert all(count >= 1 for count in counts), "every new post is alerted"
    # One chat (the console) and one crash of the sender: at most one message twice.
    assert sum(count - 1 for count in counts) <= 1, counts
