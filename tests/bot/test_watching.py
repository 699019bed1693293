"""/watch, /rules, /unwatch and /test as a subscriber uses them."""

from __future__ import annotations

from datetime import UTC, datetime

from alerts.store.models import Post, Source, SourceKind
from tests.bot.conftest import marked


async def test_watch_answers_with_the_understood_rule(conversation) -> None:
    reply = await conversation.say(5, "/watch topic:drones region:kursk")
    assert "Watching #" in reply
    assert "Regions: Kursk" in reply
    assert "Topics: Drones" in reply


async def test_rules_are_shown_as_code_one_per_line(conversation) -> None:
    watching = await conversation.ask(5, '/watch !"мост через Сейм"')
    assert marked(watching, "code") == ['"мост через сейм"']
    await conversation.say(5, "/watch дрон")
    listing = await conversation.ask(5, "/rules")
    assert marked(listing, "code") == ['"мост через сейм"', "дрон"]
    assert listing.visible_text.splitlines()[1:] == [
        f"#{number}{mark} {rule}"
        for number, mark, rule in ((1, " ❗", '"мост через сейм"'), (2, "", "дрон"))
    ]


async def test_watch_explains_a_rule_it_cannot_read(conversation) -> None:
    reply = await conversation.say(5, '/watch "мост через')
    assert "could not read" in reply
    assert "quote" in reply
    assert "No watch rules" in await conversation.say(5, "/rules")


async def test_watch_without_words_shows_usage(conversation) -> None:
    assert "Usage: /watch" in await conversation.say(5, "/watch")


async def test_rules_lists_only_this_chats_rules(conversation) -> None:
    await conversation.say(5, "/watch drone")
    await conversation.say(6, "/watch bridge")
    mine = await conversation.say(5, "/rules")
    assert "drone" in mine
    assert "bridge" not in mine


async def test_unwatch_deletes_own_rule_and_refuses_others(conversation) -> None:
    reply = await conversation.say(5, "/watch drone")
    rule_id = reply.split("#", 1)[1].split(":", 1)[0].split()[0]
    assert "no rule" in await conversation.say(6, f"/unwatch {rule_id}")
    assert "deleted" in await conversation.say(5, f"/unwatch {rule_id}")
    assert "No watch rules" in await conversation.say(5, "/rules")
    assert "Usage: /unwatch" in await conversation.say(5, "/unwatch abc")


async def test_test_counts_recent_matches_with_examples(conversation, sessions) -> None:
    async with sessions.begin() as session:
        source = Source(kind=SourceKind.CHANNEL, locator="kursk_gov", title="Governor")
        session.add(source)
        await session.flush()
        for number, text in enumerate(
            ["Над Курской областью сбиты три беспилотника", "Погода: дождь", "Дрон атаковал Суджу"]
        ):
            session.add(
                Post(
                    source_id=source.id,
                    external_id=str(number),
                    url=f"https://t.me/kursk_gov/{number}",
                    title="",
                    text=text,
                    published_at=datetime.now(UTC),
                    first_seen_at=datetime.now(UTC),
                )
            )
    reply = await conversation.say(5, "/test topic:drones region:kursk")
    assert "matched 2 of 3 posts" in reply
    assert "https://t.me/kursk_gov/0" in reply
    assert "Погода" not in reply
    assert "No watch rules" in await conversation.say(5, "/rules")
