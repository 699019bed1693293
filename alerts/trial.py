"""`/test RULE`: how a rule would have done on the posts of the last days.

Nothing is stored and nobody is alerted; the rule is matched alone against stored
posts, newest first, so the examples are the most recent matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from alerts.models import Post, Source
from alerts.sources import display_name, source_names
from rules.matcher import Matcher

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from rules.lexicon import Lexicon
    from rules.rule import Rule

TRIAL_DAYS = 7
EXAMPLES = 3
BATCH = 500
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
        .execution_options(yield_per=BATCH)
    )
    posts = matched = 0
    examples: list[Example] = []
    async for post, source in stream:
        posts += 1
        text = f"{post.title}\n\n{post.text}" if post.title else post.text
        if not matcher.match(text, sources=source_names(source)):
            continue
        matched += 1
        if len(examples) < EXAMPLES:
            first_line = post.title or post.text.partition("\n")[0]
            examples.append(Example(display_name(source), first_line, post.url, post.published_at))
    return TrialResult(posts, matched, tuple(examples))
