"""poll(): a feed source checked end to end against the fake web server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from structlog.testing import capture_logs

from monitors.errors import SourceHTTPError, SourceParseError, SourceRefused, Throttled
from monitors.fetcher import Fetcher
from monitors.locator import SourceRef
from monitors.poll import PollResult, Validators, poll
from tests.fakes.feeds import rss

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.fakes.web import FakeWeb

ITEMS = [("g1", "First", "https://news.example/1", "one", None)]


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(allow_private_networks=True) as shared:
        yield shared


async def poll_feed(fetcher: Fetcher, web: FakeWeb, validators: Validators) -> PollResult:
    return await poll(fetcher, SourceRef("feed", web.url("/feed")), validators)


async def test_first_poll_then_not_modified_then_new_posts(
    fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    fake_web.serve("/feed", rss(ITEMS, title="Border News", ttl=2))
    first = await poll_feed(fetcher, fake_web, Validators())
    assert first.error is None
    assert not first.not_modified
    assert [post.external_id for post in first.posts] == ["g1"]
    assert first.title == "Border News"
    assert first.next_check_hint == 120.0
    assert first.validators.etag == '"v1"'

    second = await poll_feed(fetcher, fake_web, first.validators)
    assert second.not_modified
    assert second.posts == ()
    assert second.validators == first.validators

    fake_web.serve("/feed", rss([("g2", "Second", None, "two", None), *ITEMS]))
    third = await poll_feed(fetcher, fake_web, second.validators)
    # g1 is unchanged since the second poll: that poll's caller stored it.
    assert [post.external_id for post in third.posts] == ["g2"]
    assert third.validators.etag == '"v2"'


async def test_same_body_under_a_new_etag_is_not_parsed_again(
    fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    fake_web.serve("/feed", rss(ITEMS))
    first = await poll_feed(fetcher, fake_web, Validators())
    fake_web.serve("/feed", rss(ITEMS))  # republished: new ETag, same bytes
    again = await poll_feed(fetcher, fake_web, first.validators)
    assert again.not_modified
    assert again.posts == ()
    assert again.validators.etag == '"v2"'
    assert again.validators.body_hash == first.validators.body_hash


async def test_failures_are_values_and_keep_the_validators(
    fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    fake_web.serve("/feed", rss(ITEMS))
    first = await poll_feed(fetcher, fake_web, Validators())
    fake_web.fail("/feed", 500)
    with capture_logs() as logged:
        failed = await poll_feed(fetcher, fake_web, first.validators)
    # The caller records and logs the failure on its source: one line per failed poll.
    assert not [entry for entry in logged if "fail" in entry["event"]]
    assert isinstance(failed.error, SourceHTTPError)
    assert failed.error.status == 500
    assert failed.validators == first.validators
    assert failed.posts == ()


async def test_throttling_hints_the_next_check(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    fake_web.fail("/feed", 429, retry_after="90")
    result = await poll_feed(fetcher, fake_web, Validators())
    assert isinstance(result.error, Throttled)
    assert result.next_check_hint == 90.0


async def test_a_body_that_is_not_a_feed_is_a_parse_error(
    fake_web: FakeWeb, fetcher: Fetcher
) -> None:
    fake_web.serve("/feed", "<html><body>Welcome</body></html>", content_type="text/html")
    result = await poll_feed(fetcher, fake_web, Validators())
    assert isinstance(result.error, SourceParseError)
    assert result.validators == Validators()


async def test_unparseable_body_is_retried_next_time(fake_web: FakeWeb, fetcher: Fetcher) -> None:
    # The hash of a body that failed to parse is never stored, so a fixed parser
    # (or a fixed feed) gets another look at the same bytes.
    fake_web.serve("/feed", "not a feed", content_type="text/plain")
    failed = await poll_feed(fetcher, fake_web, Validators())
    assert failed.error is not None
    assert failed.validators.body_hash is None


async def test_refusal_is_a_value(fake_web: FakeWeb) -> None:
    async with Fetcher(allow_private_networks=False) as guarded:
        result = await poll_feed(guarded, fake_web, Validators())
    assert isinstance(result.error, SourceRefused)
    assert "loopback" in str(result.error)
