"""The pipeline's memory on SQLite and PostgreSQL: posts, outbox rows, source health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from alerts.chats.watch import add_rule, ensure_chat, list_rules, remove_rule
from alerts.ingest.rulebook import RuleBook
from alerts.store.models import OutboxEntry, Post, Source
from monitors.errors import SourceTimeout, Throttled
from tests.alerts.builders import fetched, make_source, record, result

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from rules.lexicon import Lexicon


@pytest.fixture
async def world(
    sessions: async_sessionmaker[AsyncSession], lexicon: Lexicon
) -> tuple[RuleBook, int]:
    async with sessions.begin() as session:
        source = await make_source(session)
        await ensure_chat(session, 42, chat_type="private")
        await ensure_chat(session, 43, chat_type="private")
        await add_rule(session, 42, "drone", lexicon)
        await add_rule(session, 43, "kursk", lexicon)
    return RuleBook(lexicon), source.id


async def outbox(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[int, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxEntry.chat_id, Post.external_id)
            .join(Post, Post.id == OutboxEntry.post_id)
            .order_by(OutboxEntry.id)
        )
        return [(chat, external) for chat, external in rows]


async def test_matching_post_queues_one_alert_for_its_chat(sessions, world) -> None:
    rulebook, source_id = world
    counts = await record(
        sessions,
        rulebook,
        source_id,
        result(fetched("a", "Drones hit a depot"), fetched("b", "Rain")),
    )
    assert counts == (2, 1)
    assert await outbox(sessions) == [(42, "a")]


async def test_a_post_seen_again_is_neither_stored_nor_alerted_twice(sessions, world) -> None:
    rulebook, source_id = world
    poll = result(fetched("a", "Drones hit a depot"))
    await record(sessions, rulebook, source_id, poll)
    assert await record(sessions, rulebook, source_id, poll) == (0, 0)
    assert await outbox(sessions) == [(42, "a")]


async def test_one_alert_per_chat_when_several_of_its_rules_match(sessions, world, lexicon) -> None:
    rulebook, source_id = world
    async with sessions.begin() as session:
        await add_rule(session, 42, "depot", lexicon)
    await record(sessions, rulebook, source_id, result(fetched("a", "Drones hit a Kursk depot")))
    assert await outbox(sessions) == [(42, "a"), (43, "a")]


async def test_posts_older_than_the_alert_window_are_stored_not_alerted(sessions, world) -> None:
    rulebook, source_id = world
    stale = fetched("old", "Drone report", age=timedelta(hours=7))
    assert await record(sessions, rulebook, source_id, result(stale)) == (1, 0)


async def test_a_rule_alerts_only_on_posts_first_seen_after_it(sessions, world, lexicon) -> None:
    rulebook, source_id = world
    before = datetime.now(UTC) - timedelta(minutes=1)
    async with sessions.begin() as session:
        await add_rule(session, 43, "depot", lexicon)
    poll = result(fetched("a", "Ammunition depot burns"))
    await record(sessions, rulebook, source_id, poll, now=before)
    assert await outbox(sessions) == []


async def test_failed_poll_backs_off_and_keeps_the_error(sessions, world) -> None:
    rulebook, source_id = world
    now = datetime.now(UTC)
    await record(sessions, rulebook, source_id, result(error=SourceTimeout("no answer")), now)
    await record(sessions, rulebook, source_id, result(error=Throttled(retry_after=600)), now)
    async with sessions() as session:
        source = await session.get_one(Source, source_id)
    assert source.error_count == 2
    assert source.last_error == str(Throttled(retry_after=600))
    assert source.next_check_at >= now + timedelta(seconds=600)


async def test_success_resets_errors_and_keeps_validators(sessions, world) -> None:
    rulebook, source_id = world
    await record(sessions, rulebook, source_id, result(error=SourceTimeout("no answer")))
    await record(sessions, rulebook, source_id, result(fetched("a", "Quiet day")))
    async with sessions() as session:
        source = await session.get_one(Source, source_id)
    assert source.error_count == 0
    assert source.etag == '"v1"'
    assert source.title == "Border News"
    assert source.last_success_at is not None


async def test_removed_rule_stops_alerting(sessions, world) -> None:
    rulebook, source_id = world
    async with sessions.begin() as session:
        (rule,) = await list_rules(session, 42)
        assert await remove_rule(session, 42, rule.id)
    await record(sessions, rulebook, source_id, result(fetched("a", "Drones again")))
    assert await outbox(sessions) == []
