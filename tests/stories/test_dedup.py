"""dedup: the core of `lookout dedup` — posts in, {"id", "story"} out, bad input named."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from alerts.stories.dedup import dedup

GOV = (
    "В Шебекино FPV-дрон атаковал легковой автомобиль на улице Октябрьской. Мужчина получил "
    "осколочные ранения головы и руки. Он доставлен в Шебекинскую ЦРБ. Автомобиль поврежден."
)
OTHER = (
    "В Белгороде на улице Щорса в результате падения обломков сбитого беспилотника повреждены "
    "два автомобиля и остекление многоквартирного дома. Пострадавших нет."
)


def row(post_id: Any, text: Any, at: Any, **extra: Any) -> dict[str, Any]:
    return {"id": post_id, "source": "tg:x", "text": text, "url": None, "published_at": at} | extra


def test_story_is_the_id_of_the_first_post_of_the_story() -> None:
    posts = [
        row("p1", GOV, "2025-03-10T06:15:00Z"),
        row(2, OTHER, "2025-03-10T06:16:00+00:00"),
        row("p3", "⚡️Срочно: " + GOV, "2025-03-10T09:17:00+03:00", source="tg:y"),
        row(
            "p4",
            "Фото",
            "2025-03-10T06:20:00Z",
            forwarded_url=None,
            url="https://t.me/belgorod_now/5",
        ),
        row("p5", "Видео", "2025-03-10T06:21:00Z", forwarded_url="https://t.me/belgorod_now/5"),
    ]
    assert list(dedup(posts)) == [
        {"id": "p1", "story": "p1"},
        {"id": 2, "story": 2},
        {"id": "p3", "story": "p1"},
        {"id": "p4", "story": "p4"},
        {"id": "p5", "story": "p4"},
    ]


def test_repeated_ids_are_separate_posts() -> None:
    posts = [row("539", GOV, "2025-03-10T06:15:00Z"), row("539", OTHER, "2025-03-10T06:16:00Z")]
    assert [answer["story"] for answer in dedup(posts)] == ["539", "539"]


def test_stories_older_than_the_window_are_forgotten() -> None:
    posts = [row("a", GOV, "2025-03-10T06:15:00Z"), row("b", GOV, "2025-03-13T06:15:00Z")]
    assert [answer["story"] for answer in dedup(posts)] == ["a", "b"]


def test_it_is_lazy() -> None:
    posts: list[Any] = [row("a", GOV, "2025-03-10T06:15:00Z"), "not a post"]
    answers = dedup(iter(posts))
    assert next(answers) == {"id": "a", "story": "a"}
    with pytest.raises(ValueError, match="post 2"):
        next(answers)


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ("text", r"post 1: expected a JSON object, got str"),
        ({"source": "s"}, r"post 1: 'id' must be a string or an integer"),
        (row(True, GOV, "2025-03-10T06:15:00Z"), r"'id' must be a string or an integer"),
        ({"id": "x", "text": "t"}, r"post 1 \(id 'x'\): missing 'source', 'url', 'published_at'"),
        (row("x", GOV, "yesterday"), r"post 1 \(id 'x'\): 'published_at' is not an ISO 8601 date"),
        (row("x", GOV, 1741587300), r"'published_at' must be an ISO 8601 string"),
        (row("x", GOV, "2025-03-10T06:15:00"), r"'published_at' has no timezone"),
        (row("x", None, "2025-03-10T06:15:00Z"), r"'text' must be a string, got NoneType"),
        (row("x", GOV, "2025-03-10T06:15:00Z", url=5), r"'url' must be a string or null"),
        (
            row("x", GOV, "2025-03-10T06:15:00Z", forwarded_url=["a"]),
            r"'forwarded_url' must be a string or null",
        ),
    ],
)
def test_malformed_posts_are_named(post: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        list(dedup([post]))


def test_long_inputs_keep_naming_live_stories() -> None:
    rng = random.Random(5)
    letters = "абвгдежзиклмнопрстуфхцчшщыэюя"
    words = ["".join(rng.choices(letters, k=6)) for _ in range(3000)]
    posts = []
    start = datetime(2025, 3, 1, tzinfo=UTC)
    for number in range(1500):
        at = (start + timedelta(minutes=5 * number)).isoformat()
        posts.append(row(f"p{number}", " ".join(rng.choices(words, k=40)), at))
    last = posts[-1]
    posts.append(row("repost", "⚡️" + last["text"], last["published_at"], source="tg:y"))
    answers = list(dedup(posts))
    assert answers[-1] == {"id": "repost", "story": last["id"]}
    assert len({answer["story"] for answer in answers}) == 1500


def test_one_channel_spelled_two_ways_is_one_source() -> None:
    # A channel's second warning in the same words is a new event, not a duplicate:
    # that holds however the input spells the channel.
    posts = [
        row("a", GOV, "2025-03-10T06:15:00Z", source="@Kursk_Gov"),
        row("b", GOV, "2025-03-10T07:15:00Z", source="https://t.me/s/kursk_gov"),
        row("c", GOV, "2025-03-10T07:16:00Z", source="https://telegram.dog/belgorod_gov"),
    ]
    assert [answer["story"] for answer in dedup(posts)] == ["a", "b", "b"]
