"""The pure core of `lookout check`: one result per post, a bad rule raises at once."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from rules.check import check
from rules.syntax import RuleSyntaxError

if TYPE_CHECKING:
    from rules.lexicon import Lexicon


def test_one_result_per_post_in_order(lexicon: Lexicon) -> None:
    posts: list[dict[str, object]] = [
        {"id": 1, "text": "Над Курской областью сбиты три беспилотника"},
        {"id": "b", "text": "Курская битва 1943 года"},
        {"text": "шахеды над Суджей"},
    ]
    results = list(check("topic:drones region:kursk", posts, lexicon))
    assert results == [
        {
            "id": 1,
            "matched": True,
            "terms": ["topic:drones", "region:kursk"],
            "regions": ["kursk"],
            "topics": ["drones"],
        },
        {"id": "b", "matched": False, "terms": [], "regions": [], "topics": []},
        {
            "id": None,
            "matched": True,
            "terms": ["topic:drones", "region:kursk"],
            "regions": ["kursk"],
            "topics": ["drones"],
        },
    ]
    assert all(json.loads(json.dumps(result, ensure_ascii=False)) == result for result in results)


def test_sources_of_a_post(lexicon: Lexicon) -> None:
    posts = [
        {"id": 1, "text": "дрон", "source": "@kursk_gov"},
        {"id": 2, "text": "дрон", "sources": ["https://t.me/s/kursk_gov"]},
        {"id": 3, "text": "дрон", "source": "@other"},
    ]
    verdicts = [r["matched"] for r in check("дрон source:@kursk_gov", posts, lexicon)]
    assert verdicts == [True, True, False]


def test_a_bad_rule_raises_before_any_post_is_read(lexicon: Lexicon) -> None:
    class Unreadable:
        def __iter__(self):
            raise AssertionError("the posts were read")

    with pytest.raises(RuleSyntaxError, match="unclosed quote") as raised:
        check('"дрон', Unreadable(), lexicon)
    assert raised.value.position == 0
