"""The labelled stories in tests/data/stories: well-formed, and clustered well.

bench/dedup_quality.py prints the figures of both parts and lists the misses; this test
keeps them from sliding when the boilerplate rules, the fingerprints or the policy change.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import pytest

from bench.dedup_quality import predict, score
from bench.story_corpus import HELDOUT, TUNING, load
from tests.conftest import SHARED_FIXTURES

PRECISION_TARGET = 0.98
"""Stricter than the 0.95 required (1.00 measured): a wrong merge hides a new attack."""
RECALL_TARGET = 0.90
"""0.93 measured; the misses left are first reports of explosions and utility notices
that share few words with the official post (bench/dedup_quality.py --misses)."""


@pytest.fixture(scope="module")
def tuning() -> list[dict[str, Any]]:
    return load(TUNING).posts


@pytest.fixture(scope="module")
def heldout() -> list[dict[str, Any]]:
    corpus = load(HELDOUT, SHARED_FIXTURES)
    assert not corpus.missing or not SHARED_FIXTURES.is_dir(), corpus.missing
    return corpus.posts


def _check_posts(posts: list[dict[str, Any]]) -> None:
    assert len({post["id"] for post in posts}) == len(posts)
    for post in posts:
        assert isinstance(post["text"], str)
        assert post["text"]
        assert isinstance(post["source"], str)
        assert post["url"] is None or isinstance(post["url"], str)
        assert post["lang"] in {"ru", "uk", "en"}
        assert datetime.fromisoformat(str(post["published_at"])).utcoffset() is not None


def test_tuning_part_is_well_formed(tuning: list[dict[str, Any]]) -> None:
    assert len(tuning) >= 200
    _check_posts(tuning)
    stories = Counter(str(post["story"]) for post in tuning)
    assert len(stories) >= 50
    assert {post["lang"] for post in tuning} == {"ru", "uk", "en"}
    # Russian and Ukrainian reports of one event, labelled as such.
    events: dict[str, set[str]] = {}
    for post in tuning:
        if post.get("event"):
            events.setdefault(post["event"], set()).add(post["lang"])
    assert sum({"ru", "uk"} <= langs for langs in events.values()) >= 3


def test_heldout_part_is_well_formed(heldout: list[dict[str, Any]]) -> None:
    _check_posts(heldout)
    written = [post for post in heldout if str(post["id"]).startswith("h")]
    assert len(written) >= 50
    events: dict[str, set[str]] = {}
    for post in heldout:
        if post.get("event"):
            events.setdefault(post["event"], set()).add(post["lang"])
    assert sum(len(langs) == 3 for langs in events.values()) >= 3
    # One source's template run: posts that must each stay their own story.
    per_source = Counter((post["source"], post["story"]) for post in written)
    assert sum(1 for source, _ in per_source if source == "tg:bryansk_trevoga") >= 10


def test_tuning_part_meets_the_precision_and_recall_targets(
    tuning: list[dict[str, Any]],
) -> None:
    report = score(tuning, predict(tuning))
    assert report.within.precision >= PRECISION_TARGET, report.within.misses
    assert report.within.recall >= RECALL_TARGET, report.within.misses


def test_heldout_part_keeps_sources_events_apart_and_meets_the_cross_language_target(
    heldout: list[dict[str, Any]],
) -> None:
    # Checked, never tuned on: the held-out figures are what bench.dedup_quality reports.
    report = score(heldout, predict(heldout))
    assert report.same_source == []
    assert report.within.precision >= 0.97, report.within.misses
    assert report.across.precision >= 0.95, report.across.misses
    assert report.across.recall >= 0.7, report.across.misses
