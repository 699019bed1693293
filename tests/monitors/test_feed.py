"""parse_feed on real feeds saved by others, on made-up ones, and on hostile ones."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest

from monitors.errors import SourceParseError
from monitors.feed import ParsedFeed, parse_feed
from monitors.parsedfeed import MAX_POSTS_PER_FEED
from tests.fakes.feeds import Item, json_feed, rss
from tests.monitors.conftest import shared_fixture_dir

if TYPE_CHECKING:
    from pathlib import Path

URL = "https://news.example/feed"


def parse(body: bytes, content_type: str | None = None) -> ParsedFeed:
    return parse_feed(body, url=URL, content_type=content_type)


def shared_feed(name: str) -> ParsedFeed:
    path: Path = shared_fixture_dir("feeds") / name
    return parse(path.read_bytes(), "application/rss+xml")


# file, posts, feed title, first post title (start)
SHARED_FEEDS = [
    ("bbc_news_frontpage.rss.xml", 27, "BBC News", "Relish and dread as Starmer"),
    ("google_news_search_openai.rss.xml", 102, '""OpenAI"" - Google News', "The first anti-AI"),
    ("heise_online_150_entries.atom.xml", 150, "heise online News", "Top 10: Das beste"),
    ("tagesschau_content_encoded.rss.xml", 40, "tagesschau.de - Die Nachrichten der ARD", ""),
    ("pravda_com_ua_windows1251.rss.xml", 20, "Украинская правда", "День сердца"),
    ("unian_ua.rss.xml", 50, "Інформаційне Агентство УНІАН", '"Зір вдалося зберегти"'),
    ("liga_net_ru.rss.xml", 20, "ЛІГА.Новости", "Украина в день местных выборов"),
    ("meduza_io_ru_3items.rss.xml", 3, "Meduza.io", "Голикова объявила"),
    ("latin1_bytes_no_xml_declaration.rss.xml", 10, "Flux RSS du magazine", "Perturbateurs"),
    ("reuters_truncated_invalid.rss.xml", 0, "Reuters: Most Read Articles", ""),
    ("ibash_windows1251.rss.xml", 50, "iBash.Org.Ru", "Цитата #17703"),
    ("vedomosti_ru_3items.rss.xml", 3, '"Ведомости". Ежедневная деловая газета', "В Сеуле"),
    ("nytimes_top_stories.rss.xml", 25, "NYT > Top Stories", "Can the Palestinian Authority"),
]


@pytest.mark.parametrize(("name", "count", "title", "first"), SHARED_FEEDS)
def test_shared_feed_parses(name: str, count: int, title: str, first: str) -> None:
    feed = shared_feed(name)
    assert len(feed.posts) == count
    assert feed.title.startswith(title)
    if count:
        assert feed.posts[0].title.startswith(first)
    assert len({post.external_id for post in feed.posts}) == count
    for post in feed.posts:
        assert post.title == post.title.strip()
        assert post.url is None or post.url.startswith(("http://", "https://"))
        assert post.published_at is None or post.published_at.tzinfo is UTC
        assert not re.search(r"<(p|br|a|div|img)\b", post.text), post.text[:200]


def test_bbc_keeps_guid_with_fragment_as_id() -> None:
    feed = shared_feed("bbc_news_frontpage.rss.xml")
    assert all(re.search(r"#\d+$", post.external_id) for post in feed.posts)
    assert feed.ttl_seconds == 15 * 60


def test_google_news_links_are_redirect_articles() -> None:
    feed = shared_feed("google_news_search_openai.rss.xml")
    assert all(post.url and "news.google.com/rss/articles/" in post.url for post in feed.posts)


def test_tagesschau_uses_full_content_with_link_words_kept() -> None:
    post = shared_feed("tagesschau_content_encoded.rss.xml").posts[0]
    assert post.text.startswith("Schwedens Regierung hält Atomkraft für unverzichtbar")
    assert post.text.endswith("Von Jana Sinram.[mehr]")


def test_windows_1251_feeds_are_decoded() -> None:
    pravda = shared_feed("pravda_com_ua_windows1251.rss.xml")
    assert re.search("[а-яА-Я]{4}", pravda.posts[0].text)
    ibash = shared_feed("ibash_windows1251.rss.xml")
    texts = "\n".join(post.text for post in ibash.posts)
    assert "\x85" not in texts
    assert "…" in texts
    assert "&#039;" not in texts
    assert (
        ibash.posts[0].external_id
        == ibash.posts[0].url
        == ("http://ibash.org.ru/quote.php?id=17703")
    )
    dates = [post.published_at for post in ibash.posts if post.published_at]
    assert len(dates) == 50
    assert min(dates) >= datetime(2018, 3, 15, tzinfo=UTC)
    assert max(dates) <= datetime(2018, 3, 21, 23, 59, tzinfo=UTC)
    assert not ibash.problems


def test_ibash_first_quote_date_is_converted_to_utc() -> None:
    post = shared_feed("ibash_windows1251.rss.xml").posts[0]
    assert post.published_at == datetime(
        2018, 3, 21, 10, 27, 32, tzinfo=timezone(timedelta(hours=3))
    )


def test_unian_md5_guids_and_offset_dates() -> None:
    post = shared_feed("unian_ua.rss.xml").posts[0]
    assert re.fullmatch(r"[0-9a-f]{32}", post.external_id)
    assert post.published_at == datetime(2020, 9, 28, 13, 35, 12, tzinfo=UTC)


def test_latin1_without_declaration_is_read_and_reported() -> None:
    feed = shared_feed("latin1_bytes_no_xml_declaration.rss.xml")
    assert "études" in feed.posts[0].text
    assert any("windows-1252" in problem for problem in feed.problems)


def test_truncated_feed_keeps_what_it_has_and_says_so() -> None:
    feed = shared_feed("reuters_truncated_invalid.rss.xml")
    assert feed.posts == ()
    assert any("malformed" in problem for problem in feed.problems)


def test_vedomosti_values_are_stripped() -> None:
    post = shared_feed("vedomosti_ru_3items.rss.xml").posts[0]
    assert post.url == (
        "https://www.vedomosti.ru/society/news/2020/05/09/"
        "829907-v-seule-ekstrenno-zakrili-vse-bari-i-klubi"
    )
    assert post.external_id == post.url
    assert post.text == ""


# -- made-up feeds ---------------------------------------------------------------------


def test_rss_items_become_posts() -> None:
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    body = rss(
        [
            Item(
                "g1", "Drones over Kursk", "https://news.example/1", "<p>Two <b>UAVs</b></p>", when
            ),
            ("g2", "Second", "/2", "plain &amp; simple", None),
        ],
        ttl=30,
    )
    feed = parse(body)
    first, second = feed.posts
    assert (first.external_id, first.title, first.text) == ("g1", "Drones over Kursk", "Two UAVs")
    assert first.published_at == when
    assert second.url == "https://news.example/2"
    assert second.text == "plain & simple"
    assert feed.ttl_seconds == 1800
    assert feed.problems == ()


def test_identity_falls_back_to_link_then_content_hash() -> None:
    feed = parse(
        rss([(None, "A", "https://news.example/a", "x", None), (None, "B", None, "y", None)])
    )
    assert feed.posts[0].external_id == "https://news.example/a"
    assert feed.posts[1].external_id.startswith("sha256:")
    again = parse(rss([(None, "B", None, "y", None)]))
    assert again.posts[0].external_id == feed.posts[1].external_id


def test_repeated_ids_are_skipped_and_reported() -> None:
    feed = parse(rss([("same", "A", None, "", None), ("same", "B", None, "", None)]))
    assert [post.title for post in feed.posts] == ["A"]
    assert feed.problems == ("1 items repeat an earlier item's id; skipped",)


def test_script_links_are_dropped() -> None:
    feed = parse(rss([("g", "A", "javascript:alert(1)", "<script>alert(1)</script>hi", None)]))
    assert feed.posts[0].url is None
    assert feed.posts[0].text == "hi"


def test_atom_feed() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom news</title>
<entry><id>tag:news.example,2024:1</id><title type="html">A &lt;i&gt;b&lt;/i&gt;</title>
<link href="https://news.example/1"/><updated>2024-05-01T12:00:00+02:00</updated>
<content type="html">&lt;p&gt;Hello&lt;/p&gt;</content></entry></feed>"""
    post = parse(body, "application/atom+xml").posts[0]
    assert (post.external_id, post.title, post.text) == ("tag:news.example,2024:1", "A b", "Hello")
    assert post.published_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def test_rss_1_0_rdf() -> None:
    body = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://news.example/"><title>RDF news</title></channel>
<item rdf:about="https://news.example/1"><title>One</title><link>https://news.example/1</link>
<description>First</description></item></rdf:RDF>"""
    feed = parse(body)
    assert feed.title == "RDF news"
    assert [(p.external_id, p.text) for p in feed.posts] == [("https://news.example/1", "First")]


def test_rss_0_91_with_netscape_doctype() -> None:
    body = b"""<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
 "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Caf&eacute;</title>
<item><title>One</title><link>https://news.example/1</link></item></channel></rss>"""
    feed = parse(body)
    assert feed.title == "Café"
    assert [post.title for post in feed.posts] == ["One"]


def test_cyrillic_windows_1251_without_any_declaration_is_guessed() -> None:
    text = "Беспилотники над Курской областью"
    body = rss([("g", text, None, text, None)]).replace(b' encoding="utf-8"', b"")
    feed = parse(body.decode().encode("windows-1251"), "text/xml")
    assert feed.posts[0].title == text


def test_utf8_body_wins_over_a_wrong_http_charset() -> None:
    text = "Дрони над Сумщиною"
    feed = parse(rss([("g", text, None, "", None)]), "application/rss+xml; charset=windows-1251")
    assert feed.posts[0].title == text


def test_stray_ampersand_is_recovered_by_the_lenient_pass() -> None:
    body = rss([("a", "One", None, "", None), ("b", "Two", None, "", None)])
    body = body.replace(b"<title>Two</title>", b"<title>Tom & Jerry</title>")
    feed = parse(body)
    assert [post.title for post in feed.posts] == ["One", "Tom & Jerry"]
    assert any("malformed" in problem for problem in feed.problems)


def test_a_width_inside_the_channel_text_loses_no_item() -> None:
    # feedparser reads <width> as an image's and failed on one it had not seen open.
    body = rss([("a", "Drones over Kursk", None, "", None)])
    body = body.replace(b"<channel>", b"<channel><description>x <width>120</width></description>")
    assert [post.title for post in parse(body).posts] == ["Drones over Kursk"]


def test_ten_thousand_items() -> None:
    items = [
        (f"id-{n}", f"Title {n}", f"https://news.example/{n}", f"<p>Body {n}</p>", None)
        for n in range(10_000)
    ]
    feed = parse(rss(items))
    # Bounded: the newest items are read, the rest noted as a problem.
    assert len(feed.posts) == MAX_POSTS_PER_FEED
    assert feed.posts[-1].text == f"Body {MAX_POSTS_PER_FEED - 1}"


def test_html_page_is_not_a_feed() -> None:
    page = b"<!doctype html><html><head><title>News</title></head><body><p>Hi</p></body></html>"
    with pytest.raises(SourceParseError, match="not an RSS or Atom feed"):
        parse(page, "text/html")


@pytest.mark.parametrize("body", [b"", b"   ", b"\x00\x01\x02", b"<", b"<?xml version='1.0'?>"])
def test_garbage_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(SourceParseError):
        parse(body)


# -- JSON Feed ---------------------------------------------------------------------------


def test_json_feed() -> None:
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    body = json_feed(
        [
            Item("1", "Shelling in Sumy", "https://news.example/1", "<p>Two <b>hits</b></p>", when),
            Item(None, "No id", "https://news.example/2", None, "2024-05-01T15:00:00+03:00"),
        ],
        title="JSON news",
    )
    feed = parse(body, "application/feed+json")
    assert feed.title == "JSON news"
    first, second = feed.posts
    assert (first.external_id, first.text, first.published_at) == ("1", "Two hits", when)
    assert second.external_id == "https://news.example/2"
    assert second.published_at == when


def test_json_feed_1_0_details() -> None:
    document = {
        "version": "https://jsonfeed.org/version/1",
        "title": "Old",
        "items": [
            {"id": 7, "content_text": "  plain\n\n\n text ", "author": {"name": "Ann"}},
            "not an item",
        ],
    }
    feed = parse(json.dumps(document).encode())
    assert [(p.external_id, p.text) for p in feed.posts] == [("7", "plain\n\ntext")]
    assert feed.problems == ("1 items are not JSON objects; skipped",)


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"version": "https://jsonfeed.org/version/1.1"}',
        b'{"title": "no version", "items": []}',
        b"[1, 2]",
        b"{" * 100_000,
        b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}',
    ],
)
def test_broken_json_feeds(body: bytes) -> None:
    with pytest.raises(SourceParseError):
        parse(body, "application/json")
