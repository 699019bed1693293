"""Every field from outside is bounded before work is done on it (issue 10, bugs 1, 3, 4, 12).

Each test is a regression test for one way a hostile or broken source used to stop a
poll, or every poll: an undecodable host, HTML bombs, oversized ids, links and
validators, a channel page with a hundred thousand messages, a ``tg:`` link.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from alerts.store.models import ETAG_CHARS, EXTERNAL_ID_CHARS, LAST_MODIFIED_CHARS, URL_CHARS
from monitors.channel import MAX_PAGE_BYTES
from monitors.channelpage import MAX_POSTS_PER_PAGE, parse_channel_page
from monitors.errors import SourceHTTPError, SourceRefused, SourceTooLarge, SourceUnavailable
from monitors.feed import parse_feed
from monitors.fetcher import MAX_ETAG_CHARS, MAX_LAST_MODIFIED_CHARS, Fetcher, Validators
from monitors.locator import SourceRef
from monitors.parsedfeed import MAX_ID_CHARS, MAX_LINK_CHARS, MAX_POSTS_PER_FEED
from monitors.plaintext import MAX_ELEMENTS, html_to_text
from monitors.poll import poll
from tests.fakes.channel import ChannelPost, channel_page

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.fakes.web import FakeWeb

_NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
UNDECODABLE_HOSTS = ["http://xn--/", "http://xn--ls8h.la/", "http://☃️.example/"]


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private_networks=True) as shared:
        yield shared


@pytest.mark.parametrize("url", UNDECODABLE_HOSTS)
async def test_an_undecodable_host_is_refused_as_a_monitor_error(
    fetcher: Fetcher, url: str
) -> None:
    with pytest.raises((SourceRefused, SourceUnavailable)):
        await fetcher.fetch(url)


@pytest.mark.parametrize("target", UNDECODABLE_HOSTS)
async def test_a_redirect_to_an_undecodable_host_is_a_failed_poll(
    fake_web: FakeWeb, fetcher: Fetcher, target: str
) -> None:
    fake_web.redirect("/feed", target)
    result = await poll(fetcher, SourceRef("feed", fake_web.url("/feed")), Validators())
    assert isinstance(result.error, (SourceHTTPError, SourceUnavailable))


async def test_validators_too_long_for_their_columns_are_dropped(
    fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    fake_web.serve(
        "/feed",
        "<rss version='2.0'><channel><title>t</title></channel></rss>",
        headers={"ETag": '"' + "e" * 2000 + '"', "Last-Modified": "x" * 300},
    )
    fetched = await fetcher.fetch(fake_web.url("/feed"))
    assert fetched.validators.etag is None
    assert fetched.validators.last_modified is None
    assert fetched.validators.body_hash is not None


def test_the_monitors_bounds_fit_the_columns() -> None:
    assert URL_CHARS >= MAX_LINK_CHARS
    assert EXTERNAL_ID_CHARS >= MAX_ID_CHARS
    assert ETAG_CHARS >= MAX_ETAG_CHARS
    assert LAST_MODIFIED_CHARS >= MAX_LAST_MODIFIED_CHARS


def test_a_long_guid_becomes_a_stable_hash_and_a_long_link_is_dropped() -> None:
    guid = "g" * 5000
    link = "https://news.example/" + "a" * 3000
    item = f"<item><guid>{guid}</guid><link>{link}</link><title>Дрон над Суджей</title></item>"
    body = f"<rss version='2.0'><channel><title>t</title>{item}</channel></rss>".encode()
    first = parse_feed(body, url="https://news.example/feed", content_type=None).posts[0]
    again = parse_feed(body, url="https://news.example/feed", content_type=None).posts[0]
    assert len(first.external_id) <= MAX_ID_CHARS
    assert first.external_id == again.external_id
    assert first.url is None
    assert first.title == "Дрон над Суджей"


def test_a_feed_is_read_to_its_first_items_only() -> None:
    items = [{"id": str(n), "content_text": f"post {n}"} for n in range(MAX_POSTS_PER_FEED + 500)]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items})
    parsed = parse_feed(body.encode(), url="https://news.example/feed.json", content_type=None)
    assert len(parsed.posts) == MAX_POSTS_PER_FEED
    assert parsed.posts[0].external_id == "0"
    assert any("were read" in problem for problem in parsed.problems)


@pytest.mark.parametrize(
    "bomb",
    [
        "<div>" * 40_000 + "drone" + "</div>" * 40_000,
        "<p>drone</p>" * 400_000,
        "<b>" * 1_500_000,
    ],
    ids=["nested", "flat", "unclosed"],
)
def test_an_html_bomb_is_read_without_building_its_tree(bomb: str) -> None:
    text = html_to_text(bomb)
    assert len(text) <= len(bomb)
    if "drone" in bomb[:100_000]:
        assert "drone" in text


def test_html_within_the_bound_keeps_its_layout() -> None:
    html = "<p>one</p>" + "<span>two</span>" * (MAX_ELEMENTS // 2 - 1)
    assert html_to_text(html).startswith("one\n\ntwo")


def test_a_page_of_many_messages_is_read_to_its_newest_posts() -> None:
    page = channel_page(
        "flood", "Flood", [ChannelPost(n, f"post {n}", _NOW) for n in range(1, 3001)]
    )
    parsed = parse_channel_page(page, name="flood", base_url="https://t.me")
    assert len(parsed.posts) == MAX_POSTS_PER_PAGE
    assert parsed.posts[-1].external_id == "3000"


async def test_a_channel_page_over_the_byte_cap_is_too_large(
    fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    fake_web.serve("/s/flood", b"<div>" + b" " * MAX_PAGE_BYTES + b"</div>", "text/html")
    result = await poll(
        fetcher, SourceRef("channel", "flood"), Validators(), telegram_web_url=fake_web.base_url
    )
    assert isinstance(result.error, SourceTooLarge)


def test_channel_links_other_than_http_are_not_kept() -> None:
    page = channel_page("kursk_test", "Kursk", [ChannelPost(5, "text", _NOW)])
    page = page.replace('href="https://t.me/kursk_test/5"', 'href="tg://resolve?domain=x"')
    post = parse_channel_page(page, name="kursk_test", base_url="https://t.me").posts[0]
    assert post.url == "https://t.me/kursk_test/5"
