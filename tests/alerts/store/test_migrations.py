"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from alerts.store import migrate
from alerts.store.db import create_engine
from alerts.store.models import Base

# Created by migration 0005 outside the models: full-text search's own tables.
SEARCH_TABLES = {
    "posts_lemmas_fts",
    "posts_lemmas_fts_config",
    "posts_lemmas_fts_data",
    "posts_lemmas_fts_docsize",
    "posts_lemmas_fts_idx",
}


def _differences(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        change
        for change in compare_metadata(context, Base.metadata)
        if not (change[0] == "remove_table" and change[1].name in SEARCH_TABLES)
        and not (change[0] == "remove_index" and change[1].name == "ix_posts_lemmas")
    ]


async def test_migrated_schema_matches_the_models(engine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


async def test_sources_stored_before_keys_get_theirs(database_url) -> None:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine, "0007")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO sources (kind, locator, state, official, added_at, next_check_at,"
                    " posts_per_day, error_count) VALUES"
                    " ('channel', 'Kursk_Gov', 'active', false, :now, :now, 0, 0),"
                    " ('feed', 'https://президент.рф/rss/', 'active', false, :now, :now, 0, 0)"
                ),
                {"now": datetime.now(UTC)},
            )
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT locator, key FROM sources ORDER BY id"))
            keys = [tuple(row) for row in rows]
    finally:
        await engine.dispose()
    assert keys == [
        ("Kursk_Gov", "@kursk_gov"),
        ("https://президент.рф/rss/", "xn--d1abbgf6aiiy.xn--p1ai/rss"),
    ]


async def test_a_pause_notice_stored_in_english_becomes_a_worded_one(database_url) -> None:
    engine = create_engine(database_url)
    paused = (
        "Source #4 Border <News> is paused: it has failed for a day (HTTP 503 from "
        "https://news.example/feed). An admin can add it again once it works."
    )
    try:
        await migrate.upgrade(engine, "0008")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO chats (id, type, active, created_at, paused, timezone)"
                    " VALUES (5, 'private', true, :now, false, 'UTC')"
                ),
                {"now": datetime.now(UTC)},
            )
            for sentence in (paused, "Maintenance tonight."):
                await connection.execute(
                    text(
                        "INSERT INTO outbox (chat_id, revision, sent_revision, notice_kind,"
                        " notice_args, created_at, state, attempts, next_attempt_at, highlights)"
                        " VALUES (5, 0, 0, 'text', :args, :now, 'pending', 0, :now, '{}')"
                    ),
                    {"args": json.dumps({"text": sentence}), "now": datetime.now(UTC)},
                )
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT notice_kind, notice_args FROM outbox ORDER BY id")
            )
            notices = [(kind, _as_dict(arguments)) for kind, arguments in rows]
    finally:
        await engine.dispose()
    assert notices == [
        ("source_paused", {"source_id": 4, "name": "Border <News>"}),
        ("text", {"text": "Maintenance tonight."}),
    ]


def _as_dict(arguments: object) -> object:
    # SQLite hands JSON back as text, PostgreSQL as the decoded value.
    return json.loads(arguments) if isinstance(arguments, str) else arguments
