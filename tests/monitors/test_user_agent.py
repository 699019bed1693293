"""Sources see who polls them: Lookout's name and, when the operator gives one, a URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitors.fetcher import Fetcher, Validators, user_agent

if TYPE_CHECKING:
    from tests.fakes.web import FakeWeb


async def test_requests_name_lookout_and_the_operators_page(fake_web: FakeWeb) -> None:
    fake_web.serve("/feed.xml", b"<rss/>", content_type="application/rss+xml")
    agent = user_agent("https://alerts.example.org/about")
    async with Fetcher(allow_private_networks=True, user_agent=agent) as fetcher:
        await fetcher.fetch(fake_web.url("/feed.xml"), Validators())
    (seen,) = fake_web.requests
    assert seen.headers["User-Agent"].startswith("Lookout/")
    assert "+https://alerts.example.org/about" in seen.headers["User-Agent"]


def test_without_a_page_the_agent_still_names_lookout() -> None:
    assert user_agent(None).startswith("Lookout/")
    assert "+" not in user_agent(None)
