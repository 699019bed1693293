"""Source health on SQLite and PostgreSQL: backoff, pausing with notices, edits, cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from alerts.chats.watch import add_rule, ensure_chat
from alerts.ingest.health import (
    PAUSED_FAILING,
    SOURCE_PAUSED,
    adaptive_interval,
    record_success,
)
from alerts.ingest.rulebook import RuleBook
from alerts.store.models import Chat, OutboxEntry, Post, Source, SourceState
from monitors.errors import SourceHTTPError
from monitors.poll import PollResult, Validators
from tests.alerts.builders import fetched, make_source, record, result

ADMIN = 9001


async def test_a_source_failing_for_a_day_is_paused_and_its_watchers_told_once(
    sessions, lexicon
) -> None:
    async with sessions.begin() as session:
        source = await make_source(session)
        await ensure_chat(session, ADMIN, chat_type="private")
        await ensure_chat(session, 50, chat_type="private")
        await ensure_chat(session, 51, chat_type="private")
        await add_rule(session, 50, "source:news.example drone", lexicon)
        await add_rule(session, 51, "drone", lexicon)
    rulebook = RuleBook(lexicon)
    start = datetime.now(UTC) - timedelta(days=1, minutes=5)
    failure = result(error=SourceHTTPError(500))
    await record(sessions, rulebook, source.id, failure, now=start, admins={ADMIN})
    async with sessions() as session:
        assert (await session.get_one(Source, source.id)).state is SourceState.ACTIVE
    await record(sessions, rulebook, source.id, failure, admins={ADMIN})
    async with sessions() as session:
        paused = await session.get_one(Source, source.id)
        notices = list(await session.scalars(select(OutboxEntry).order_by(OutboxEntry.chat_id)))
    assert paused.state is SourceState.PAUSED
    assert paused.paused_reason == PAUSED_FAILING
    assert paused.last_failure == {"key": "http_status", "status": 500}
    assert [n.chat_id for n in notices] == [50, ADMIN]
    # A kind and its arguments, worded in each chat's language only when sent.
    for notice in notices:
        assert (notice.notice_kind, notice.post_id) == (SOURCE_PAUSED, None)
        assert notice.notice_args == {
            "source_id": source.id,
            "name": "news.example",
            "failure": {"key": "http_status", "status": 500},
        }


async def test_success_ends_the_failure_run(sessions, lexicon) -> None:
    async with sessions.begin() as session:
        source = await make_source(session)
    rulebook = RuleBook(lexicon)
    long_ago = datetime.now(UTC) - timedelta(hours=20)
    await record(sessions, rulebook, source.id, result(error=SourceHTTPError(503)), now=long_ago)
    await record(sessions, rulebook, source.id, result(fetched("a", "ok")))
    await record(sessions, rulebook, source.id, result(error=SourceHTTPError(503)))
    async with sessions() as session:
        current = await session.get_one(Source, source.id)
    assert current.state is SourceState.ACTIVE
    assert current.failing_since is not None
    assert current.failing_since > long_ago + timedelta(hours=19)


async def test_channel_cursor_is_kept_for_the_next_poll(sessions, lexicon) -> None:
    async with sessions.begin() as session:
        source = await make_source(session)
    poll = PollResult(
        posts=(fetched("539", "post"),),
        validators=Validators(cursor='{"last": 539}'),
        not_modified=False,
        error=None,
        next_check_hint=None,
        title=None,
    )
    await record(sessions, RuleBook(lexicon), source.id, poll)
    async with sessions() as session:
        assert (await session.get_one(Source, source.id)).cursor == '{"last": 539}'


async def test_an_edit_updates_the_post_and_alerts_on_words_it_added(sessions, lexicon) -> None:
    async with sessions.begin() as session:
        source = await make_source(session)
        await ensure_chat(session, 60, chat_type="private")
        await add_rule(session, 60, "drone", lexicon)
    rulebook = RuleBook(lexicon)
    await record(sessions, rulebook, source.id, result(fetched("7", "Explosions in the city")))
    edited = fetched("7", "Explosions in the city: a drone attack")
    poll = PollResult(
        posts=(),
        validators=Validators(),
        not_modified=False,
        error=None,
        next_check_hint=None,
        title=None,
        edits=(edited,),
    )
    await record(sessions, rulebook, source.id, poll)
    await record(sessions, rulebook, source.id, poll)  # the same edit seen again
    async with sessions() as session:
        post = await session.scalar(select(Post).where(Post.external_id == "7"))
        alerts = list(await session.scalars(select(OutboxEntry.chat_id)))
        chats = list(await session.scalars(select(Chat.id)))
    assert post is not None
    assert post.title.endswith("drone attack")
    assert post.edited_at is not None
    assert alerts == [60]
    assert chats == [60]


def test_busy_sources_are_polled_more_often_within_bounds() -> None:
    assert adaptive_interval(60, 0) == 60
    assert adaptive_interval(60, 24) == 60
    assert adaptive_interval(60, 96) == 30
    assert adaptive_interval(60, 10_000) == 15
    assert adaptive_interval(2, 10_000) == 1


async def test_the_next_check_counts_from_when_the_poll_started(sessions) -> None:
    # Counted from the recording instead, a slow fetch or a wait for the recording turn
    # would push every later poll of the source back by as much.
    now = datetime.now(UTC)
    started = now - timedelta(seconds=30)
    async with sessions.begin() as session:
        source = await make_source(session)
        await record_success(session, source, result(), 60, now, polled_at=started)
        next_check = source.next_check_at
    assert started + timedelta(seconds=54) <= next_check <= started + timedelta(seconds=66)


async def test_the_next_check_counts_from_when_the_source_fell_due(sessions) -> None:
    # Counted from the poll's start instead, each wait for a claim pushed the source's
    # every later poll back: 3 pollers at 10,000 sources polled 97% of them per interval.
    now = datetime.now(UTC)
    due = now - timedelta(seconds=8)  # claimed 3 s after it fell due
    async with sessions.begin() as session:
        source = await make_source(session)
        await record_success(
            session, source, result(), 60, now, polled_at=now - timedelta(seconds=5), due_at=due
        )
        next_check = source.next_check_at
    assert due + timedelta(seconds=54) <= next_check <= due + timedelta(seconds=66)


async def test_a_source_claimed_long_after_it_fell_due_catches_up_a_tenth(sessions) -> None:
    # Due an hour ago (the service was stopped): counted from then, it would be due again
    # at once; counted from its poll, a backlog would never be made up.
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        source = await make_source(session)
        await record_success(
            session, source, result(), 60, now, polled_at=now, due_at=now - timedelta(hours=1)
        )
        next_check = source.next_check_at
    start = now - timedelta(seconds=6)
    assert start + timedelta(seconds=54) <= next_check <= start + timedelta(seconds=66)
