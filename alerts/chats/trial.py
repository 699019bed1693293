"""`/test RULE`: how a rule would have done on the posts of the last days.

Nothing is stored and nobody is alerted; the rule is matched alone against stored
posts, newest first, so the examples are the most recent matches.

Bounds: at most `MAX_POSTS` posts are tried (the newest), read in batches, and each
batch is matched in a worker thread, so the event loop keeps answering other chats
while a rule is tried on a large database.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from alerts.sources import display_name
from alerts.store.models import Post, Source
from rules.matcher import Matcher

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from rules.lexicon import Lexicon
    from rules.rule import Rule

TRIAL_DAYS = 7
EXAMPLES = 3
BATCH = 500
MAX_POSTS = 20_000
_RULE_ID = 1


@dataclass(frozen=True, slots=True)
class Example:
    source: str
    title: str
    url: str | None
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class TrialResult:
    posts: int
    matched: int
    examples: tuple[Example, ...]


async def trial(
    session: AsyncSession, rule: Rule, lexicon: Lexicon, now: datetime, days: int = TRIAL_DAYS
) -> TrialResult:
    matcher = Matcher(lexicon)
    matcher.add(_RULE_ID, rule)
    stream = await session.stream(
        select(Post, Source)
        .join(Source, Source.id == Post.source_id)
        .where(Post.first_seen_at >= now - timedelta(days=days))
        .order_by(Post.first_seen_at.desc(), Post.id.desc())
        .limit(MAX_POSTS)
        .execution_options(yield_per=BATCH)
    )
    posts = matched = 0
    examples: list[Example] = []
    async for partition in stream.partitions(BATCH):
        batch = [(post, source, source.key) for post, source in partition]
        hits = await asyncio.to_thread(_matching, matcher, batch)
        posts += len(batch)
        matched += len(hits)
        for post, source in hits[: EXAMPLES - len(examples)]:
            first_line = post.title or post.text.partition("\n")[0]
            examples.append(Example(display_name(source), first_line, post.url, post.published_at))
    return TrialResult(posts, matched, tuple(examples))


def _matching(matcher: Matcher, batch: list[tuple[Post, Source, str]]) -> list[tuple[Post, Source]]:
    """The posts of a batch the rule matches; pure CPU, run in a worker thread."""
    hits = []
    for post, source, key in batch:
        text = f"{post.title}\n\n{post.text}" if post.title else post.text
        if matcher.match(text, sources=(key,)):
            hits.append((post, source))
    return hits
