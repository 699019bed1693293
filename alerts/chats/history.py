"""A chat's alert history: what it was sent, newest first; searched; exported.

Only the chat's own alerts are ever read here: every query is scoped by chat id.
Search is full-text over the alerted posts' lemmas (`alerts.store.lemmas`): every word of
the query is required, in any inflected form (`беспилотник` finds «Беспилотники
атаковали…», `рыльск` finds «в Рыльске»), newest first — SQLite's FTS5 index
`posts_lemmas_fts`, PostgreSQL's `to_tsvector('simple', lemmas)` with a GIN index,
both kept by migration 0005.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, literal_column, select, text

from alerts.sources import display_name
from alerts.store.lemmas import lemma_query
from alerts.store.models import OutboxEntry, OutboxState, Post, Source

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from datetime import datetime

    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from rules.morphology import Morphology

SEARCH_DOCUMENT = "to_tsvector('simple', coalesce(posts.lemmas, ''))"


@dataclass(frozen=True, slots=True)
class HistoryItem:
    sent_at: datetime
    source: str
    first_line: str
    url: str | None
    text: str


class EmptyQuery(ValueError):
    """The search had no words in it."""


def _sent_alerts(chat_id: int) -> Select[OutboxEntry, Post, Source]:
    return (
        select(OutboxEntry, Post, Source)
        .join(Post, Post.id == OutboxEntry.post_id)
        .join(Source, Source.id == Post.source_id)
        .where(OutboxEntry.chat_id == chat_id, OutboxEntry.state == OutboxState.SENT)
        .order_by(OutboxEntry.sent_at.desc(), OutboxEntry.id.desc())
    )


async def count_history(session: AsyncSession, chat_id: int) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(OutboxEntry)
        .where(
            OutboxEntry.chat_id == chat_id,
            OutboxEntry.state == OutboxState.SENT,
            OutboxEntry.post_id.is_not(None),
        )
    )
    return int(total or 0)


async def history(
    session: AsyncSession, chat_id: int, *, offset: int = 0, limit: int = 10
) -> list[HistoryItem]:
    rows = await session.execute(_sent_alerts(chat_id).offset(offset).limit(limit))
    return [_item(entry, post, source) for entry, post, source in rows]


async def search(
    session: AsyncSession, chat_id: int, query: str, morphology: Morphology, *, limit: int = 10
) -> list[HistoryItem]:
    words = lemma_query(query, morphology)
    if not words:
        raise EmptyQuery("search for at least one word")
    statement = _sent_alerts(chat_id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Spelled as migration 0005 indexes it, so PostgreSQL can use the GIN index.
        document: ColumnElement[Any] = literal_column(SEARCH_DOCUMENT)
        wanted = " & ".join("(" + " | ".join(forms) + ")" for forms in words)
        tsquery = func.to_tsquery(literal_column("'simple'"), wanted)
        statement = statement.where(document.op("@@")(tsquery))
    else:
        # Each form quoted: nothing typed is ever read as FTS5 query syntax.
        match = " AND ".join(
            "(" + " OR ".join(f'"{form}"' for form in forms) + ")" for forms in words
        )
        statement = statement.where(
            Post.id.in_(
                text("SELECT rowid FROM posts_lemmas_fts WHERE posts_lemmas_fts MATCH :match")
            ),
        ).params(match=match)
    rows = await session.execute(statement)
    return [_item(entry, post, source) for entry, post, source in rows]


async def export_rows(session: AsyncSession, chat_id: int) -> AsyncIterator[HistoryItem]:
    stream = await session.stream(_sent_alerts(chat_id).execution_options(yield_per=500))
    async for entry, post, source in stream:
        yield _item(entry, post, source)


def _item(entry: OutboxEntry, post: Post, source: Source) -> HistoryItem:
    first_line = post.title or post.text.strip().partition("\n")[0]
    # Sent entries always have sent_at; created_at only guards old rows without it.
    sent_at = entry.sent_at or entry.created_at
    return HistoryItem(sent_at, display_name(source), first_line, post.url, post.text)
