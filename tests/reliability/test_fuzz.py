"""Fuzzing the three parsers of outside input, seeded from the real saved pages and feeds.

Property for each: whatever the bytes or text, only the project's own error types
come out (`MonitorError` for feeds and channel pages, `RuleSyntaxError` for rules),
and a successful parse respects the bounds (posts per feed and page, id and link
lengths). Seeds are the real documents in ../shared/fixtures, mutated.
"""

from __future__ import annotations

import contextlib
from functools import cache
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitors.channelpage import MAX_POSTS_PER_PAGE, parse_channel_page
from monitors.errors import MonitorError
from monitors.feed import parse_feed
from monitors.parsedfeed import MAX_ID_CHARS, MAX_LINK_CHARS, MAX_POSTS_PER_FEED
from monitors.plaintext import html_to_text
from rules.syntax import RuleSyntaxError, parse_rule
from tests.conftest import SHARED_FIXTURES

if TYPE_CHECKING:
    from pathlib import Path

    from rules.lexicon import Lexicon

pytestmark = pytest.mark.skipif(
    not SHARED_FIXTURES.is_dir(), reason=f"{SHARED_FIXTURES} is not here"
)

SNIPPETS = [
    b"<",
    b">",
    b"&",
    b"&#0;",
    b"\x00",
    b"\xff\xfe",
    b"</div>",
    b"<div>" * 50,
    b'data-post="x/99999999999999999999"',
    b'href="tg://resolve?domain=x"',
    b"<![CDATA[",
    b"]]>",
    b"<guid>" + b"g" * 1500 + b"</guid>",
    b"<link>https://x.example/" + b"a" * 2100 + b"</link>",
    b"xn--",
]
RULE_PIECES = [
    "(",
    ")",
    '"',
    "|",
    "-",
    "NOT ",
    " OR ",
    "*",
    "region:",
    "topic:",
    "source:@",
    "!",
    "²",
    "\u200b",
    "ё",
]


@cache
def documents(kind: str) -> list[bytes]:
    folder: Path = SHARED_FIXTURES / kind
    suffixes = (".xml",) if kind == "feeds" else (".html",)
    return [path.read_bytes() for path in sorted(folder.iterdir()) if path.suffix in suffixes]


def mutate(draw: st.DrawFn, data: bytes) -> bytes:
    mutable = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(mutable)))
        if draw(st.booleans()):
            mutable[position:position] = draw(st.sampled_from(SNIPPETS) | st.binary(max_size=8))
        else:
            del mutable[position : position + draw(st.integers(1, 200))]
    return bytes(mutable)


@st.composite
def mutated_feed(draw: st.DrawFn) -> bytes:
    return mutate(draw, draw(st.sampled_from(documents("feeds"))))


@st.composite
def mutated_page(draw: st.DrawFn) -> bytes:
    return mutate(draw, draw(st.sampled_from(documents("telegram"))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=mutated_feed())
def test_feeds_raise_only_monitor_errors_and_keep_their_bounds(body: bytes) -> None:
    with contextlib.suppress(MonitorError):
        feed = parse_feed(body, url="https://news.example/feed", content_type=None)
        assert len(feed.posts) <= MAX_POSTS_PER_FEED
        for post in feed.posts:
            assert len(post.external_id) <= MAX_ID_CHARS
            assert post.url is None or len(post.url) <= MAX_LINK_CHARS
            assert post.url is None or post.url.startswith(("http://", "https://"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=mutated_page())
def test_channel_pages_raise_only_monitor_errors_and_keep_their_bounds(page: bytes) -> None:
    with contextlib.suppress(MonitorError):
        parsed = parse_channel_page(page, name="durov", base_url="https://t.me")
        assert len(parsed.posts) <= MAX_POSTS_PER_PAGE
        for post in parsed.posts:
            assert post.url is not None
            assert post.url.startswith(("http://", "https://"))
            preview = post.link_preview.url if post.link_preview else None
            for link in (post.forwarded_url, preview):
                assert link is None or link.startswith(("http://", "https://"))


@st.composite
def rule_text(draw: st.DrawFn) -> str:
    page = draw(st.sampled_from(documents("telegram")))
    words = html_to_text(page.decode("utf-8", "replace")).split()
    pieces = st.sampled_from(words[:400] or ["дрон"]) | st.sampled_from(RULE_PIECES)
    return " ".join(draw(st.lists(pieces, min_size=1, max_size=30)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=rule_text())
def test_rules_raise_only_syntax_errors(lexicon: Lexicon, text: str) -> None:
    with contextlib.suppress(RuleSyntaxError):
        parse_rule(text, lexicon)
