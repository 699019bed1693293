"""/sources, /addsource, /delsource, /official: admins manage, everyone else may look."""

from __future__ import annotations

from tests.bot.conftest import ADMIN, marked
from tests.fakes.feeds import rss

USER = 3003


async def test_admin_adds_a_feed_and_everyone_sees_it(conversation, fake_web) -> None:
    fake_web.serve(
        "/feed.xml",
        rss(
            [{"guid": "a", "title": "Drone", "link": "https://news.example/a"}],
            title="Border <R&D>",
        ),
    )
    added = await conversation.ask(ADMIN, f"/addsource {fake_web.url('/feed.xml')}", user_id=ADMIN)
    # The name is shown as the feed has it, in bold: nothing in it is read as markup.
    assert "Added #1 Border <R&D>." in added.visible_text
    assert marked(added, "bold") == ["Border <R&D>"]
    assert "1 current post is recorded" in added.visible_text
    listing = await conversation.ask(USER, "/sources")
    assert "#1 feed Border <R&D>" in listing.visible_text
    assert marked(listing, "bold") == ["Border <R&D>"]
    assert "state: active" in listing.visible_text
    again = await conversation.say(ADMIN, f"/addsource {fake_web.url('/feed.xml')}", user_id=ADMIN)
    assert "Already watching #1" in again


async def test_a_source_that_does_not_answer_is_refused_with_the_reason(
    conversation, fake_web
) -> None:
    fake_web.fail("/gone.xml", status=404)
    reply = await conversation.say(ADMIN, f"/addsource {fake_web.url('/gone.xml')}", user_id=ADMIN)
    assert "Cannot add that source" in reply
    assert "404" in reply
    refused = await conversation.say(ADMIN, "/addsource ftp://example.org/feed", user_id=ADMIN)
    assert "Cannot add that source" in refused
    assert "ftp" in refused


async def test_others_are_refused_politely(conversation, fake_web) -> None:
    for command in ("/addsource @kursk_news", "/delsource 1", "/official 1"):
        reply = await conversation.say(USER, command, user_id=USER)
        assert "only the operators" in reply


async def test_admin_marks_official_and_deletes(conversation, fake_web) -> None:
    fake_web.serve(
        "/feed.xml",
        rss([{"guid": "a", "title": "Drone", "link": "https://news.example/a"}], title="Gov"),
    )
    await conversation.say(ADMIN, f"/addsource {fake_web.url('/feed.xml')}", user_id=ADMIN)
    assert "is official" in await conversation.say(ADMIN, "/official 1", user_id=ADMIN)
    assert "official" in await conversation.say(USER, "/sources")
    assert "no longer official" in await conversation.say(ADMIN, "/official 1", user_id=ADMIN)
    assert "deleted" in await conversation.say(ADMIN, "/delsource 1", user_id=ADMIN)
    assert "No sources" in await conversation.say(USER, "/sources")
    assert "no source #1" in await conversation.say(ADMIN, "/delsource 1", user_id=ADMIN)
    assert "Usage" in await conversation.say(ADMIN, "/delsource x", user_id=ADMIN)
