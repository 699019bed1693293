"""A changed feed is parsed without the items it showed before (`monitors.seenitems`).

The posts a poll returns must be exactly the ones a whole parse finds, less the items
whose bytes the last recorded poll saw; anything the cut cannot do cleanly is parsed whole.
"""

from __future__ import annotations

import base64

import pytest

from monitors.feed import parse_feed
from monitors.fetcher import Fetched, Validators
from monitors.poll import _parse_unseen
from monitors.seenitems import CURSOR_PREFIX, cut_items, seen_in
from tests.monitors.conftest import shared_fixture_dir

URL = "https://news.example/feed"
# Broken on purpose (cut short, mis-encoded): their parses carry problems either way.
BROKEN = {"reuters_truncated_invalid.rss.xml", "latin1_bytes_no_xml_declaration.rss.xml"}


def fetched(body: bytes) -> Fetched:
    return Fetched(200, body, Validators(), "application/rss+xml", URL)


def rss(*items: str, built: str = "Mon, 01 Sep 2025 10:00:00 GMT") -> bytes:
    body = "".join(items)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>News</title>'
        f"<lastBuildDate>{built}</lastBuildDate>{body}</channel></rss>"
    ).encode()


def item(guid: str, title: str, description: str = "text") -> str:
    return (
        f"<item><guid>{guid}</guid><title>{title}</title>"
        f"<description>{description}</description></item>"
    )


def ids(body: bytes, cursor: str | None) -> tuple[list[str], str | None]:
    parsed, new_cursor = _parse_unseen(fetched(body), cursor)
    return [post.external_id for post in parsed.posts], new_cursor


def test_a_second_poll_returns_only_the_new_item() -> None:
    first, cursor = ids(rss(item("g1", "one"), item("g2", "two")), None)
    second, _ = ids(
        rss(item("g3", "three"), item("g1", "one"), item("g2", "two"), built="Tue"), cursor
    )
    assert first == ["g1", "g2"]
    assert second == ["g3"]


def test_an_edited_item_comes_back_with_its_new_text() -> None:
    _, cursor = ids(rss(item("g1", "one"), item("g2", "two")), None)
    parsed, _ = _parse_unseen(fetched(rss(item("g1", "one, corrected"), item("g2", "two"))), cursor)
    assert [(post.external_id, post.title) for post in parsed.posts] == [("g1", "one, corrected")]


def test_without_a_cursor_of_its_own_every_item_is_returned() -> None:
    body = rss(item("g1", "one"), item("g2", "two"))
    assert ids(body, None)[0] == ["g1", "g2"]
    assert ids(body, '{"last_id": 5}')[0] == ["g1", "g2"]
    assert ids(body, "items:not base64!")[0] == ["g1", "g2"]


def test_the_same_items_at_another_address_are_new_there() -> None:
    body = rss(item("g1", "one"))
    _, cursor = ids(body, None)
    parsed, _ = _parse_unseen(
        Fetched(200, body, Validators(), "application/rss+xml", "https://other.example/feed"),
        cursor,
    )
    assert [post.external_id for post in parsed.posts] == ["g1"]


def test_an_item_end_tag_inside_cdata_is_parsed_whole() -> None:
    tricky = item("g2", "two", "<![CDATA[an example: </item> in text]]>")
    _, cursor = ids(rss(item("g1", "one"), tricky), None)
    again, _ = ids(rss(item("g0", "zero"), item("g1", "one"), tricky), cursor)
    # The cut cannot tell the CDATA's end tag from the item's: whatever it finds, the
    # posts are the new one alone, or the whole feed; never a mangled item.
    assert again in (["g0"], ["g0", "g1", "g2"])


def test_an_unclosed_item_has_no_spans() -> None:
    assert cut_items(b"<rss><channel><item><title>x</title></channel></rss>", URL) is None


@pytest.mark.parametrize("seen_every", [1, 2, 3])
def test_real_feeds_give_the_whole_parse_less_the_seen_items(seen_every: int) -> None:
    folder = shared_fixture_dir("feeds")
    checked = 0
    for path in sorted(folder.glob("*.xml")):
        if path.name in BROKEN:
            continue
        body = path.read_bytes()
        whole = parse_feed(body, url=URL, content_type=None).posts
        items = cut_items(body, URL)
        assert items is not None, path.name
        assert len(items.digests) == len(whole), path.name
        seen = frozenset(items.digests[::seen_every])
        parsed, cursor = _parse_unseen(fetched(body), CURSOR_PREFIX + _packed(seen))
        expected = [post for n, post in enumerate(whole) if n % seen_every != 0]
        assert list(parsed.posts) == expected, path.name
        assert seen_in(cursor) == frozenset(items.digests)
        checked += 1
    assert checked >= 10


def _packed(digests: frozenset[bytes]) -> str:
    return base64.b64encode(b"".join(sorted(digests))).decode("ascii")
