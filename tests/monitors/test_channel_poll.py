"""Polling a channel through the fake web server: paging back, edits, refusals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from monitors.channel import poll_channel
from monitors.errors import SourceUnavailable, Throttled
from monitors.fetcher import Fetcher
from monitors.locator import SourceRef
from monitors.poll import PollResult, Validators, poll
from tests.monitors.conftest import OWN_FIXTURES, shared_fixture_dir

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.fakes.web import FakeWeb

CHANNEL = "/s/kursk_test"


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private_networks=True) as shared:
        yield shared


def publish(web: FakeWeb, target: str, fixture: str) -> None:
    web.serve(target, (OWN_FIXTURES / fixture).read_bytes(), "text/html; charset=utf-8")


async def poll_channel_ref(
    fetcher: Fetcher, web: FakeWeb, validators: Validators, name: str = "kursk_test"
) -> PollResult:
    return await poll(
        fetcher, SourceRef("channel", name), validators, telegram_web_url=web.base_url
    )


def ids(result: PollResult) -> list[str]:
    return [post.external_id for post in result.posts]


async def test_first_poll_returns_the_latest_page_newest_first(
    fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    publish(fake_web, CHANNEL, "channel_page1.html")
    result = await poll_channel_ref(fetcher, fake_web, Validators())
    assert result.error is None
    assert ids(result) == ["123", "121", "120"]
    assert result.title == "Kursk Test Channel"
    assert not result.truncated
    assert result.validators.cursor is not None
    assert [seen.target for seen in fake_web.requests] == [CHANNEL]


async def test_gap_is_filled_by_paging_back_to_the_last_seen_post(
    fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    publish(fake_web, CHANNEL, "channel_page3.html")
    first = await poll_channel_ref(fetcher, fake_web, Validators())
    assert ids(first) == ["105", "104", "100"]

    # Eighteen ids later, the newest page no longer reaches post 105.
    publish(fake_web, CHANNEL, "channel_page1.html")
    publish(fake_web, f"{CHANNEL}?before=120", "channel_page2.html")
    publish(fake_web, f"{CHANNEL}?before=110", "channel_page3.html")
    fake_web.requests.clear()
    second = await poll_channel_ref(fetcher, fake_web, first.validators)
    assert second.error is None
    assert ids(second) == ["123", "121", "120", "115", "112", "110"]
    assert not second.truncated
    assert [seen.target for seen in fake_web.requests] == [
        CHANNEL,
        f"{CHANNEL}?before=120",
        f"{CHANNEL}?before=110",
    ]

    publish(fake_web, CHANNEL, "channel_page1.html")  # same bytes, new ETag
    third = await poll_channel_ref(fetcher, fake_web, second.validators)
    assert third.not_modified
    assert third.posts == ()


async def test_paging_stops_at_its_bound_and_says_so(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    publish(fake_web, CHANNEL, "channel_page3.html")
    first = await poll_channel_ref(fetcher, fake_web, Validators())
    publish(fake_web, CHANNEL, "channel_page1.html")
    publish(fake_web, f"{CHANNEL}?before=120", "channel_page2.html")
    publish(fake_web, f"{CHANNEL}?before=110", "channel_page3.html")
    bounded = await poll_channel(
        fetcher, "kursk_test", first.validators, base_url=fake_web.base_url, max_pages=2
    )
    assert bounded.truncated
    assert [post.external_id for post in bounded.posts] == [
        "123",
        "121",
        "120",
        "115",
        "112",
        "110",
    ]
    assert not any(seen.target.endswith("before=110") for seen in fake_web.requests)


async def test_an_empty_page_while_paging_is_reported_as_truncated(
    fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    publish(fake_web, CHANNEL, "channel_page3.html")
    first = await poll_channel_ref(fetcher, fake_web, Validators())
    publish(fake_web, CHANNEL, "channel_page1.html")
    publish(fake_web, f"{CHANNEL}?before=120", "channel_throttled.html")
    result = await poll_channel_ref(fetcher, fake_web, first.validators)
    assert result.error is None
    assert result.truncated
    assert ids(result) == ["123", "121", "120"]


async def test_an_edit_is_reported_once(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    publish(fake_web, CHANNEL, "channel_edit_before.html")
    first = await poll_channel_ref(fetcher, fake_web, Validators())
    assert ids(first) == ["200"]

    publish(fake_web, CHANNEL, "channel_edit_after.html")
    second = await poll_channel_ref(fetcher, fake_web, first.validators)
    assert ids(second) == ["201"]
    (edit,) = second.edits
    assert (edit.external_id, edit.edited) == ("200", True)
    assert edit.text == "Тревога в Сумах: два БПЛА над городом."

    # Served again (views changed, say): the edit is not news any more.
    fake_web.serve(
        CHANNEL,
        (OWN_FIXTURES / "channel_edit_after.html").read_text().replace("350", "351"),
        "text/html",
    )
    third = await poll_channel_ref(fetcher, fake_web, second.validators)
    assert third.error is None
    assert (third.posts, third.edits) == ((), ())


async def test_throttled_preview_is_a_throttled_error(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    publish(fake_web, CHANNEL, "channel_throttled.html")
    result = await poll_channel_ref(fetcher, fake_web, Validators())
    assert isinstance(result.error, Throttled)


async def test_http_429_from_telegram_is_throttled(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    fake_web.fail(CHANNEL, 429, retry_after="30")
    result = await poll_channel_ref(fetcher, fake_web, Validators())
    assert isinstance(result.error, Throttled)
    assert result.next_check_hint == 30.0


@pytest.mark.parametrize(
    ("landing", "says"),
    [
        ("tme_landing_group_python.html", "is a group"),
        ("tme_landing_nonexistent_username.html", "there is no public channel"),
        ("tme_landing_channel_durov.html", "without a public web preview"),
    ],
)
async def test_redirect_to_a_landing_page_is_unavailable(
    fake_web: FakeWeb, fetcher: Fetcher, landing: str, says: str
) -> None:
    page = (shared_fixture_dir("telegram") / landing).read_bytes()
    fake_web.redirect("/s/closed_one", "/closed_one")
    fake_web.serve("/closed_one", page, "text/html; charset=utf-8")
    result = await poll_channel_ref(fetcher, fake_web, Validators(), name="closed_one")
    assert isinstance(result.error, SourceUnavailable)
    assert says in str(result.error)


async def test_redirect_away_from_the_preview_is_unavailable_even_with_posts(
    fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    fake_web.redirect(CHANNEL, "/elsewhere")
    publish(fake_web, "/elsewhere", "channel_page1.html")
    result = await poll_channel_ref(fetcher, fake_web, Validators())
    assert isinstance(result.error, SourceUnavailable)


async def test_an_unreadable_cursor_means_a_first_poll(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    publish(fake_web, CHANNEL, "channel_page1.html")
    result = await poll_channel_ref(fetcher, fake_web, Validators(cursor="{not json"))
    assert ids(result) == ["123", "121", "120"]


async def test_real_channel_page_through_the_server(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    page = (shared_fixture_dir("telegram") / "tme_s_clashreport_en.html").read_bytes()
    fake_web.serve("/s/ClashReport", page, "text/html; charset=utf-8")
    result = await poll_channel_ref(fetcher, fake_web, Validators(), name="ClashReport")
    assert result.error is None
    assert len(result.posts) == 17
    assert result.posts[0].external_id == "93448"
