"""parse_channel_page on real t.me previews saved by others and on our own pages."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitors.channelpage import ChannelPage, parse_channel_page
from monitors.errors import MonitorError, SourceParseError, SourceUnavailable, Throttled
from monitors.post import LinkPreview, Post
from tests.monitors.conftest import OWN_FIXTURES, shared_fixture_dir


def shared_page(file: str, name: str) -> ChannelPage:
    html = (shared_fixture_dir("telegram") / file).read_bytes()
    return parse_channel_page(html, name=name, base_url="https://t.me")


def own_page(file: str) -> ChannelPage:
    html = (OWN_FIXTURES / file).read_bytes()
    return parse_channel_page(html, name="kursk_test", base_url="https://t.me")


def by_id(page: ChannelPage) -> dict[str, Post]:
    return {post.external_id: post for post in page.posts}


# -- shared fixtures, as their SOURCES.md describes them -----------------------------------


def test_durov() -> None:
    page = shared_page("tme_s_durov.html", "durov")
    ids = [int(post.external_id) for post in page.posts]
    assert len(ids) == 20
    assert (ids[0], ids[-1]) == (519, 539)
    assert ids == sorted(ids)
    assert page.title == "Pavel Durov"
    assert page.before == 519
    dates = [post.published_at for post in page.posts]
    assert dates[0] == datetime(2026, 5, 20, 15, 38, 10, tzinfo=UTC)
    assert dates[-1] is not None
    assert dates[-1].date() == datetime(2026, 8, 8, tzinfo=UTC).date()
    assert sum(post.link_preview is not None for post in page.posts) == 4
    first = page.posts[0]
    assert first.url == "https://t.me/durov/519"
    assert first.text.startswith("🤖 Your Telegram inbox can now run itself.")
    assert page.posts[2].link_preview == LinkPreview(
        url="https://gram.org/",
        site_name="Gram",
        title=None,
        description="The native currency of TON",
    )


def test_ai_news_skips_service_messages_and_has_no_older_pages() -> None:
    page = shared_page("tme_s_ai_news_official_ru.html", "AI_News_Official")
    assert page.title == "Искусственный интеллект"
    assert page.before is None
    assert [post.external_id for post in page.posts] == ["6", "7", "9", "10", "11", "12", "13"]
    assert all(post.text for post in page.posts)


def test_clashreport_reply_albums_and_edit() -> None:
    page = shared_page("tme_s_clashreport_en.html", "ClashReport")
    posts = by_id(page)
    assert len(page.posts) == 17
    assert (page.posts[0].external_id, page.posts[-1].external_id) == ("93429", "93448")
    assert page.before == 93429
    reply = posts["93433"]
    assert reply.reply_to == "93428"
    assert "Andy Burnham will visit Kyiv" not in reply.text
    assert reply.text.startswith("Britain will support Ukraine")
    caption = posts["93430"].text
    assert caption.count("Ukrainian drones targeted three Ozon logistics hubs") == 1
    assert "Wildberries" in caption  # the blockquote is part of the text
    assert [p.external_id for p in page.posts if p.edited] == ["93437"]
    assert "Our sea drones are at work" in posts["93442"].text
    assert "MQ-9A Reaper" in posts["93438"].text
    assert all(post.forwarded_url is None for post in page.posts)


def test_sudpress53_forwards_and_captionless_album() -> None:
    page = shared_page("tme_s_sudpress53_ru.html", "sudpress53")
    posts = by_id(page)
    assert len(page.posts) == 13
    assert (page.posts[0].external_id, page.posts[-1].external_id) == ("6510", "6529")
    assert page.title == "Суды Новгородской области"
    assert page.before == 6510
    forwards = {p.external_id: p.forwarded_url for p in page.posts if p.forwarded_url}
    assert forwards == {
        "6510": "https://t.me/sovetsudey/1167",
        "6529": "https://t.me/sovetsudey/1238",
    }
    album = posts["6517"]
    assert album.text == ""
    assert "Курск" in posts["6527"].text
    assert "<" not in posts["6529"].text


def test_data_secrets_fragment() -> None:
    page = shared_page("tme_s_data_secrets_fragment_ru.html", "data_secrets")
    assert page.title is None
    assert page.before is None
    first, second, third = page.posts
    assert (first.external_id, first.reply_to) == ("9772", "9762")
    assert first.text.count("Вышел Qwen") == 1
    assert second.reply_to is None
    assert (third.external_id, third.reply_to, third.edited) == ("9776", "9748", True)


@pytest.mark.parametrize(
    ("file", "says"),
    [
        ("tme_landing_nonexistent_username.html", "there is no public channel @name"),
        ("tme_landing_group_python.html", "@name is a group"),
        ("tme_landing_channel_durov.html", "@name is a channel without a public web preview"),
    ],
)
def test_landing_pages_say_why_there_is_no_preview(file: str, says: str) -> None:
    with pytest.raises(SourceUnavailable, match=says):
        shared_page(file, "name")


# -- own fixtures ------------------------------------------------------------------------


def test_forwarded_posts_signature_and_service_message() -> None:
    page = own_page("channel_forwarded.html")
    assert [post.external_id for post in page.posts] == ["300", "301", "302"]
    from_channel, from_person, signed = page.posts
    assert from_channel.forwarded_url == "https://t.me/kursk_gov/1234"
    assert from_channel.text == (
        "Губернатор: над Курской областью сбиты три БПЛА. Подробности: в канале"
    )
    # A forward from a person has no link to an original: nothing to join a story by.
    assert from_person.forwarded_url is None
    assert signed.forwarded_url is None


def test_reply_and_poll() -> None:
    original, reply, poll = own_page("channel_reply.html").posts
    assert reply.reply_to == "400"
    assert reply.text == "All clear in Sumy."
    assert original.reply_to is None
    assert poll.text == "Did you hear the explosions?\nYes\nNo"


def test_album_link_preview_and_document() -> None:
    album, linked, document = own_page("channel_album.html").posts
    assert album.text == "Последствия удара по Белгороду.\n\nПовреждены три дома."
    assert linked.link_preview == LinkPreview(
        url="https://gov.example/report",
        site_name="Gov Example",
        title="Итоги недели",
        description="Сводка по приграничным районам",
    )
    assert "Итоги недели" in linked.full_text
    assert document.link_preview is None


def test_throttled_page() -> None:
    with pytest.raises(Throttled):
        own_page("channel_throttled.html")


def test_a_page_that_is_not_telegram() -> None:
    with pytest.raises(SourceParseError):
        parse_channel_page(b"<html><body>hello</body></html>", name="x", base_url="https://t.me")


def test_tolerates_renamed_prefixes_and_extra_classes() -> None:
    html = """<section class="tgme_channel_history"><div class="tgme_widget_message_wrap">
    <div class="tgme_widget_message v2 js-widget_message" data-post="kursk_test/7">
      <div class="x_widget_message_text extra" dir="auto">Новое <b>оформление</b></div>
      <span class="x_widget_message_views">1.5K</span>
      <a class="x_message_date" href="https://t.me/kursk_test/7">
        <time datetime="2026-09-01T10:00:00Z">10:00</time></a>
    </div></div></section>"""
    (post,) = parse_channel_page(html, name="kursk_test", base_url="https://t.me").posts
    assert post.text == "Новое оформление"
    assert post.published_at == datetime(2026, 9, 1, 10, 0, tzinfo=UTC)


@st.composite
def mutated_page(draw: st.DrawFn) -> bytes:
    name = draw(st.sampled_from(sorted(p.name for p in OWN_FIXTURES.glob("channel_*.html"))))
    data = bytearray((OWN_FIXTURES / name).read_bytes())
    for _ in range(draw(st.integers(1, 10))):
        position = draw(st.integers(0, len(data)))
        snippet = draw(
            st.sampled_from([b"<", b">", b'"', b"</div>", b'data-post="x/', b"1.2.3K", b"\xff"])
            | st.binary(max_size=6)
        )
        if draw(st.booleans()):
            data[position:position] = snippet
        else:
            del data[position : position + draw(st.integers(1, 40))]
    return bytes(data)


@settings(max_examples=200, deadline=None)
@given(page=mutated_page())
def test_mutated_pages_raise_only_monitor_errors(page: bytes) -> None:
    with contextlib.suppress(MonitorError):
        parse_channel_page(page, name="kursk_test", base_url="https://t.me")
