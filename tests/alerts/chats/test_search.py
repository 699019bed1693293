"""/search's matching: any inflected form of every query word, newest first, own alerts only.

Run on SQLite (FTS5) and PostgreSQL (tsvector), through the pipeline's own indexing and
through migration 0005, which indexes alerts stored before it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from alerts.chats.history import EmptyQuery, search
from alerts.store import migrate
from alerts.store.db import create_engine, session_factory
from alerts.store.lemmas import lemma_document
from alerts.store.models import Chat, OutboxEntry, OutboxState, Post, Source, SourceKind

MINE, THEIRS = 81, 82
START = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
TEXTS = [
    "Беспилотники атаковали нефтебазу",
    "Обстрел в Рыльске: повреждены дома",
    "Над Суджей сбит беспилотник",
    "Drones hit a depot near Belgorod",
    "Учения прошли без происшествий",
]


async def store(sessions, lexicon, *, index: bool = True) -> None:
    async with sessions.begin() as session:
        source = Source(kind=SourceKind.CHANNEL, locator="kursk_gov", title="Губернатор")
        session.add_all([source, Chat(id=MINE, type="private"), Chat(id=THEIRS, type="private")])
        await session.flush()
        for number, body in enumerate([*TEXTS, "Чужой беспилотник"]):
            lemmas = lemma_document(body, lexicon.morphology) if index else None
            post = Post(source_id=source.id, external_id=str(number), text=body, lemmas=lemmas)
            session.add(post)
            await session.flush()
            chat = THEIRS if body.startswith("Чужой") else MINE
            sent_at = START + timedelta(minutes=number)
            session.add(
                OutboxEntry(chat_id=chat, post_id=post.id, state=OutboxState.SENT, sent_at=sent_at)
            )


async def found(sessions, lexicon, query: str) -> list[str]:
    async with sessions() as session:
        items = await search(session, MINE, query, lexicon.morphology)
    return [item.first_line for item in items]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("беспилотник", [TEXTS[2], TEXTS[0]]),
        ("беспилотниками", [TEXTS[2], TEXTS[0]]),
        ("рыльск", [TEXTS[1]]),
        ("нефтебаза беспилотник", [TEXTS[0]]),
        ("drone", [TEXTS[3]]),
        ("ракета", []),
    ],
)
async def test_any_form_of_every_word_is_found_newest_first(
    sessions, lexicon, query, expected
) -> None:
    await store(sessions, lexicon)
    assert await found(sessions, lexicon, query) == expected


async def test_what_people_type_is_never_query_syntax(sessions, lexicon) -> None:
    await store(sessions, lexicon)
    assert await found(sessions, lexicon, 'беспилотник" OR "учения') == []
    assert await found(sessions, lexicon, "(беспилотник*) | ^!") == [TEXTS[2], TEXTS[0]]
    with pytest.raises(EmptyQuery):
        await found(sessions, lexicon, "*** ...")


async def test_the_migration_indexes_alerts_stored_before_it(database_url, lexicon) -> None:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine, "0004")
        sessions = session_factory(engine)
        async with sessions.begin() as session:
            # 0004's schema has no lemmas yet: rows as an older Lookout wrote them.
            await session.execute(
                text(
                    "INSERT INTO sources (id, kind, locator, state, official, added_at, "
                    "next_check_at, posts_per_day, error_count) VALUES (1, 'channel', 'x', "
                    "'active', false, :now, :now, 0, 0)"
                ),
                {"now": START},
            )
            await session.execute(
                text(
                    "INSERT INTO chats (id, type, active, created_at, paused, timezone) "
                    "VALUES (:chat, 'private', true, :now, false, 'UTC')"
                ),
                {"chat": MINE, "now": START},
            )
            await session.execute(
                text(
                    "INSERT INTO posts (id, source_id, external_id, title, text, first_seen_at, "
                    "baseline, story_id) VALUES (1, 1, '1', '', :body, :now, false, 1)"
                ),
                {"body": TEXTS[1], "now": START},
            )
            await session.execute(
                text(
                    "INSERT INTO outbox (chat_id, post_id, story_id, revision, sent_revision, "
                    "created_at, state, attempts, next_attempt_at, sent_at, highlights) "
                    "VALUES (:chat, 1, 1, 0, 0, :now, 'sent', 0, :now, :now, '{}')"
                ),
                {"chat": MINE, "now": START},
            )
        await migrate.upgrade(engine)
        assert await found(sessions, lexicon, "рыльск") == [TEXTS[1]]
    finally:
        await engine.dispose()
