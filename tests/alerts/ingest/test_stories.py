"""One event, one alert: stories across sources in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from alerts.chats.watch import add_rule, ensure_chat
from alerts.ingest.rulebook import RuleBook
from alerts.ingest.storybook import StoryBook, facts_reader
from alerts.store.models import OutboxEntry, OutboxState, Post, Source, SourceKind
from alerts.stories.facts import FactReader
from monitors.post import Post as FetchedPost
from tests.alerts.builders import record, result

GOVERNOR = (
    "Над Курской областью силами ПВО уничтожены три беспилотника. Пострадавших нет, "
    "на месте работают оперативные службы. Информация уточняется, подробности позже."
)
REPOST = "⚡️Срочно: " + GOVERNOR + "\n\nПодписаться на канал"
REPLY = (
    "В Курчатове беспилотник повредил линию электропередачи на улице Молодёжной, "
    "без света остались несколько домов. Энергетики приступили к ремонту."
)
LATER_NEWS = (
    "Над Курской областью силами ПВО уничтожены три беспилотника, сообщил губернатор. "
    "Пострадавших нет, на месте работают оперативные службы. Информация уточняется."
)


def post(external_id: str, text: str, *, url: str | None = None, minutes: int = 0):
    return FetchedPost(
        external_id=external_id,
        url=url or f"https://t.me/chan/{external_id}",
        title="",
        text=text,
        published_at=datetime.now(UTC) - timedelta(minutes=minutes),
    )


async def sources(sessions, *names: str) -> list[int]:
    async with sessions.begin() as session:
        rows = [Source(kind=SourceKind.CHANNEL, locator=name) for name in names]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def subscribe(sessions, lexicon, chat_id: int, rule: str) -> None:
    async with sessions.begin() as session:
        await ensure_chat(session, chat_id, chat_type="private")
        await add_rule(session, chat_id, rule, lexicon)


async def alerts(sessions) -> list[tuple[int, int | None, int]]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxEntry.chat_id, OutboxEntry.story_id, OutboxEntry.revision).order_by(
                OutboxEntry.chat_id
            )
        )
        return [tuple(row) for row in rows]


async def test_a_repost_elsewhere_joins_the_story_and_edits_instead_of_alerting(
    sessions, lexicon
) -> None:
    governor, monitor = await sources(sessions, "kursk_gov", "monitor")
    await subscribe(sessions, lexicon, 80, "беспилотник")
    rulebook, storybook = RuleBook(lexicon), StoryBook()
    await record(
        sessions, rulebook, governor, result(post("10", GOVERNOR, minutes=3)), storybook=storybook
    )
    assert await record(
        sessions, rulebook, monitor, result(post("77", REPOST)), storybook=storybook
    ) == (1, 0)
    async with sessions() as session:
        stories = dict((await session.execute(select(Post.external_id, Post.story_id))).all())
    assert stories["77"] == stories["10"]
    assert await alerts(sessions) == [(80, stories["10"], 1)]


async def test_the_same_source_saying_it_again_is_another_alert(sessions, lexicon) -> None:
    # Regression: a governor's second warning of the morning joined the first, unsent.
    (governor,) = await sources(sessions, "kursk_gov")
    await subscribe(sessions, lexicon, 80, "беспилотник")
    rulebook, storybook = RuleBook(lexicon), StoryBook()
    await record(
        sessions, rulebook, governor, result(post("10", GOVERNOR, minutes=3)), storybook=storybook
    )
    await record(sessions, rulebook, governor, result(post("11", LATER_NEWS)), storybook=storybook)
    sent = await alerts(sessions)
    assert len(sent) == 2
    assert sent[0][1] != sent[1][1]
    assert [revision for _, _, revision in sent] == [0, 0]


async def test_a_later_report_alerts_a_chat_the_first_one_did_not_match(sessions, lexicon) -> None:
    governor, agency = await sources(sessions, "kursk_gov", "agency")
    await subscribe(sessions, lexicon, 81, "губернатор")
    rulebook, storybook = RuleBook(lexicon), StoryBook()
    await record(
        sessions, rulebook, governor, result(post("10", GOVERNOR, minutes=3)), storybook=storybook
    )
    assert await alerts(sessions) == []
    await record(sessions, rulebook, agency, result(post("5", LATER_NEWS)), storybook=storybook)
    (only,) = await alerts(sessions)
    assert only[0] == 81


async def test_the_same_article_in_two_feeds_is_one_story(sessions, lexicon) -> None:
    first, second = await sources(sessions, "feed_one", "feed_two")
    await subscribe(sessions, lexicon, 82, "drone")
    rulebook, storybook = RuleBook(lexicon), StoryBook()
    url = "https://news.example/2026/drone-strike"
    await record(
        sessions, rulebook, first, result(post("a", "Drone strike", url=url)), storybook=storybook
    )
    await record(
        sessions,
        rulebook,
        second,
        result(post("b", "Different words entirely", url=url + "?utm_source=tg#top")),
        storybook=storybook,
    )
    assert len(await alerts(sessions)) == 1


async def test_stories_survive_a_restart(sessions, lexicon) -> None:
    governor, monitor = await sources(sessions, "kursk_gov", "monitor")
    await subscribe(sessions, lexicon, 80, "беспилотник")
    rulebook = RuleBook(lexicon)
    await record(
        sessions, rulebook, governor, result(post("10", GOVERNOR, minutes=3)), storybook=StoryBook()
    )
    restarted = StoryBook()
    async with sessions() as session:
        await restarted.rebuild(session, datetime.now(UTC))
    assert len(restarted) == 1
    await record(sessions, rulebook, monitor, result(post("77", REPOST)), storybook=restarted)
    assert len(await alerts(sessions)) == 1


async def test_a_restart_leaves_out_posts_published_before_the_window(sessions, lexicon) -> None:
    # A source's baseline is mostly posts older than the window: the rebuild fingerprinted
    # them only for the window to forget them at its first post (bench.poll --processes).
    governor, monitor = await sources(sessions, "kursk_gov", "monitor")
    await subscribe(sessions, lexicon, 80, "беспилотник")
    rulebook = RuleBook(lexicon)
    three_days = 3 * 24 * 60
    await record(
        sessions,
        rulebook,
        governor,
        result(post("9", LATER_NEWS, minutes=three_days), post("10", REPLY, minutes=3)),
        storybook=StoryBook(),
    )
    restarted = StoryBook()
    async with sessions() as session:
        await restarted.rebuild(session, datetime.now(UTC))
    assert len(restarted) == 1
    # The old report is no story to join, with or without the restart.
    await record(sessions, rulebook, monitor, result(post("77", GOVERNOR)), storybook=restarted)
    async with sessions() as session:
        stories = dict((await session.execute(select(Post.external_id, Post.story_id))).all())
    assert stories["77"] != stories["9"]


async def test_a_reply_stays_in_its_story_after_a_restart(sessions, lexicon) -> None:
    # Regression: reply links were not stored, so the rebuilt window put the reply in a
    # story of its own, and a repost of the reply alerted again.
    governor, monitor = await sources(sessions, "kursk_gov", "monitor")
    await subscribe(sessions, lexicon, 80, "беспилотник")
    rulebook = RuleBook(lexicon)
    reply = replace(post("11", REPLY, minutes=2), reply_to="10")
    await record(
        sessions,
        rulebook,
        governor,
        result(post("10", GOVERNOR, minutes=3), reply),
        storybook=StoryBook(),
    )
    restarted = StoryBook()
    async with sessions() as session:
        await restarted.rebuild(session, datetime.now(UTC))
        stored = await session.scalar(select(Post.reply_to_url).where(Post.external_id == "11"))
    assert stored == "https://t.me/chan/10"
    repost = post("78", "⚡️Срочно: " + REPLY + "\n\nПодписаться на канал")
    await record(sessions, rulebook, monitor, result(repost), storybook=restarted)
    async with sessions() as session:
        stories = dict((await session.execute(select(Post.external_id, Post.story_id))).all())
    assert stories["78"] == stories["11"] == stories["10"]
    assert {story for _, story, _ in await alerts(sessions)} == {stories["10"]}


async def entries(sessions) -> list[tuple[int, str, int]]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxEntry.chat_id, Post.external_id, OutboxEntry.revision)
            .join(Post, Post.id == OutboxEntry.post_id)
            .order_by(OutboxEntry.id)
        )
        return [tuple(row) for row in rows]


async def test_a_feed_item_changed_under_its_guid_is_an_edit(sessions, lexicon) -> None:
    # Regression: a feed's corrected headline was never seen, its alert never edited.
    (feed,) = await sources(sessions, "news_feed")
    await subscribe(sessions, lexicon, 83, "беспилотник")
    rulebook, storybook = RuleBook(lexicon), StoryBook()
    first = post("guid-1", "Беспилотник атаковал автомобиль в Рыльске, пострадали двое")
    await record(sessions, rulebook, feed, result(first), storybook=storybook)
    corrected = post("guid-1", "Беспилотник атаковал автомобиль в Рыльске, пострадали трое")
    assert await record(sessions, rulebook, feed, result(corrected), storybook=storybook) == (0, 0)
    assert await entries(sessions) == [(83, "guid-1", 1)]
    async with sessions() as session:
        stored = await session.scalar(select(Post).where(Post.external_id == "guid-1"))
    assert stored is not None
    assert stored.text.endswith("трое")
    assert stored.edited_at is not None


async def test_a_sources_update_is_shown_in_place_of_its_first_post(sessions, lexicon) -> None:
    (governor,) = await sources(sessions, "kursk_gov")
    await subscribe(sessions, lexicon, 84, "Рыльск")
    rulebook, storybook = RuleBook(lexicon), StoryBook()
    first = post(
        "10",
        "В Рыльске беспилотник ВСУ атаковал автомобиль, пострадали двое мирных жителей. "
        "Оба доставлены в Рыльскую ЦРБ.",
        url="https://t.me/kursk_gov/10",
        minutes=30,
    )
    await record(sessions, rulebook, governor, result(first), storybook=storybook)
    update = post(
        "11",
        "Уточнение: пострадавших в Рыльске трое. В больницу обратился ещё один мужчина.",
        url="https://t.me/kursk_gov/11",
    )
    await record(sessions, rulebook, governor, result(update), storybook=storybook)
    assert await entries(sessions) == [(84, "11", 1)]


async def mark_all_sent(sessions, message_id: int) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(OutboxEntry).values(state=OutboxState.SENT, message_id=message_id)
        )


async def replies(sessions) -> list[tuple[int, str, int | None, int | None]]:
    async with sessions() as session:
        rows = await session.execute(
            select(
                OutboxEntry.chat_id,
                Post.external_id,
                OutboxEntry.story_id,
                OutboxEntry.reply_to_message,
            )
            .join(Post, Post.id == OutboxEntry.post_id)
            .where(OutboxEntry.reply_to_message.is_not(None))
        )
        return [tuple(row) for row in rows]


async def test_an_update_with_a_new_count_answers_the_sent_alert(sessions, lexicon) -> None:
    (governor,) = await sources(sessions, "kursk_gov")
    await subscribe(sessions, lexicon, 85, "Рыльск")
    rulebook, storybook = RuleBook(lexicon), StoryBook()
    first = post(
        "10",
        "В Рыльске беспилотник ВСУ атаковал автомобиль, пострадали двое мирных жителей. "
        "Оба доставлены в Рыльскую ЦРБ.",
        url="https://t.me/kursk_gov/10",
        minutes=30,
    )
    await record(sessions, rulebook, governor, result(first), storybook=storybook)
    await mark_all_sent(sessions, 555)
    update_post = post(
        "11",
        "Уточнение: пострадавших в Рыльске трое. В больницу обратился ещё один мужчина.",
        url="https://t.me/kursk_gov/11",
    )
    await record(sessions, rulebook, governor, result(update_post), storybook=storybook)
    assert await replies(sessions) == [(85, "11", None, 555)]
    # The sent alert is also edited to show the update.
    assert (85, "11", 1) in await entries(sessions)


async def test_an_edit_that_changes_no_fact_sends_no_reply(sessions, lexicon) -> None:
    (feed,) = await sources(sessions, "news_feed")
    await subscribe(sessions, lexicon, 86, "беспилотник")
    rulebook, storybook = RuleBook(lexicon), StoryBook()
    first = post("g", "Беспилотник атаковал автомобиль в Рыльске, пострадали двое")
    await record(sessions, rulebook, feed, result(first), storybook=storybook)
    await mark_all_sent(sessions, 777)
    typo = post("g", "Беспилотник атаковал автомобиль в Рыльске; пострадали двое.")
    await record(sessions, rulebook, feed, result(typo), storybook=storybook)
    assert await replies(sessions) == []
    more = post("g", "Беспилотник атаковал автомобиль в Рыльске; пострадали трое.")
    await record(sessions, rulebook, feed, result(more), storybook=storybook)
    assert await replies(sessions) == [(86, "g", None, 777)]


def test_the_pollers_fact_reader_on_the_rules_tables_reads_what_a_loaded_one_reads(
    lexicon,
) -> None:
    corpus = Path(__file__).resolve().parents[2] / "data" / "stories"
    texts = [
        post["text"]
        for name in ("posts.jsonl", "heldout.jsonl")
        for line in (corpus / name).read_text(encoding="utf-8").splitlines()
        if "text" in (post := json.loads(line))
    ]
    shared, loaded = facts_reader(lexicon), FactReader.load()
    read = [shared(text, tuple(text.casefold().split())) for text in texts]
    assert read == [loaded(text, tuple(text.casefold().split())) for text in texts]
    assert sum(bool(facts.places) for facts in read) > len(texts) / 4
