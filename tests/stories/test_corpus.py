"""The labelled set in tests/data/stories: well-formed, and clustered well.

bench/dedup_quality.py prints the figures and lists the misses; this test keeps them from
sliding when the boilerplate rules, the fingerprints or the policy change.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import pytest

from bench.dedup_quality import CORPUS, load, predict, score

PRECISION_TARGET = 0.98
"""Stricter than the 0.95 required (1.00 measured): a wrong merge hides a new attack."""
RECALL_TARGET = 0.90
"""0.93 measured; the misses left are first reports of explosions and utility notices
that share few words with the official post (bench/dedup_quality.py --misses)."""


@pytest.fixture(scope="module")
def posts() -> list[dict[str, Any]]:
    return load(CORPUS)


def test_corpus_is_well_formed(posts: list[dict[str, Any]]) -> None:
    assert len(posts) >= 200
    assert len({post["id"] for post in posts}) == len(posts)
    stories = Counter(str(post["story"]) for post in posts)
    assert len(stories) >= 50
    assert {post["lang"] for post in posts} == {"ru", "uk", "en"}
    for post in posts:
        assert isinstance(post["text"], str)
        assert post["text"]
        assert isinstance(post["source"], str)
        assert post["url"] is None or isinstance(post["url"], str)
        assert datetime.fromisoformat(str(post["published_at"])).utcoffset() is not None
    # Russian and Ukrainian reports of one event, labelled as such.
    events: dict[str, set[str]] = {}
    for post in posts:
        if post.get("event"):
            events.setdefault(post["event"], set()).add(post["lang"])
    assert sum({"ru", "uk"} <= langs for langs in events.values()) >= 3


def test_clustering_meets_the_precision_and_recall_targets(posts: list[dict[str, Any]]) -> None:
    pairs, _ = score(posts, predict(posts))
    assert pairs.precision >= PRECISION_TARGET, pairs.misses
    assert pairs.recall >= RECALL_TARGET, pairs.misses
