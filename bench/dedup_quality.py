"""Pairwise precision and recall of story clustering on the labelled stories.

    .venv/bin/python -m bench.dedup_quality [--misses]

Both parts of tests/data/stories (`bench.story_corpus`) go through
``alerts.stories.dedup.dedup`` in publication order, as ``lookout dedup`` would see
them, each part on its own; the tuning part's figures say how well the bars fit what
they were chosen on, the held-out part's what to expect elsewhere.

Per part:

- within a language: a pair of posts in one language is a true pair when both carry
  the same ``story`` label; precision is the share of predicted pairs (same predicted
  story) that are true, recall the share of true pairs predicted;
- across languages: a pair in two languages is a true pair when both carry the same
  ``event`` label; same two figures;
- same-source false merges: predicted pairs of one source's posts that report
  different events (counted among the false pairs too, and apart: each hides an alert
  the source meant to send);
- posts outside the largest predicted cluster of their story (one missed post of a
  ten-post story costs nine pairs).

``--misses`` lists those posts, then every false and missed pair with the two texts.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from alerts.stories.dedup import dedup
from bench.scoring import Score
from bench.story_corpus import HELDOUT, TUNING, load


@dataclass
class Report:
    within: Score = field(default_factory=Score)
    across: Score = field(default_factory=Score)
    same_source: list[str] = field(default_factory=list)
    """False pairs of one source's posts."""


def predict(posts: list[dict[str, Any]]) -> dict[str, str]:
    """Post id → id of the first post of its predicted story."""
    ordered = sorted(posts, key=lambda post: post["published_at"])
    return {row["id"]: row["story"] for row in dedup(ordered)}


def score(posts: list[dict[str, Any]], predicted: dict[str, str]) -> Report:
    report = Report()
    for first, second in itertools.combinations(posts, 2):
        merged = predicted[first["id"]] == predicted[second["id"]]
        if first["lang"] == second["lang"]:
            truly, tally = first["story"] == second["story"], report.within
        else:
            event = first.get("event")
            truly, tally = bool(event) and event == second.get("event"), report.across
        if truly and merged:
            tally.true_positive += 1
        elif merged:
            tally.false_positive += 1
            tally.misses.append(f"FP {_pair(first, second)}")
            if first["source"] == second["source"]:
                report.same_source.append(_pair(first, second))
        elif truly:
            tally.false_negative += 1
            tally.misses.append(f"FN {_pair(first, second)}")
    return report


def stray_posts(posts: list[dict[str, Any]], predicted: dict[str, str]) -> list[dict[str, Any]]:
    """Posts outside the largest predicted cluster of their labelled story."""
    clusters: dict[str, Counter[str]] = {}
    for post in posts:
        clusters.setdefault(post["story"], Counter())[predicted[post["id"]]] += 1
    main = {story: counts.most_common(1)[0][0] for story, counts in clusters.items()}
    return [post for post in posts if predicted[post["id"]] != main[post["story"]]]


def _pair(first: dict[str, Any], second: dict[str, Any]) -> str:
    def show(post: dict[str, Any]) -> str:
        text = " ".join(post["text"].split())
        return f"{post['id']} [{post['story']}] {post['source']}: {text[:110]}"

    return f"\n    {show(first)}\n    {show(second)}"


def _figures(name: str, score: Score) -> str:
    return (
        f"  {name}: TP={score.true_positive} FP={score.false_positive} "
        f"FN={score.false_negative} precision={score.precision:.3f} recall={score.recall:.3f}"
    )


def report_part(title: str, posts: list[dict[str, Any]], *, misses: bool) -> None:
    predicted = predict(posts)
    report = score(posts, predicted)
    labels = {post["story"] for post in posts}
    print(
        f"{title}: {len(posts)} posts, {len(labels)} labelled stories, "
        f"{len(set(predicted.values()))} predicted stories"
    )
    print(_figures("within a language", report.within))
    print(_figures("across languages ", report.across))
    print(f"  same-source false merges: {len(report.same_source)}")
    strays = stray_posts(posts, predicted)
    print(f"  posts outside their story's main cluster: {len(strays)} of {len(posts)}")
    if misses:
        for post in strays:
            print(f"stray {post['id']} [{post['story']}] {post['source']}: {post['text'][:100]!r}")
        for miss in report.within.misses + report.across.misses:
            print(miss)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every false and missed pair")
    args = parser.parse_args()
    for title, path in (("tuning", TUNING), ("held-out", HELDOUT)):
        corpus = load(path)
        report_part(title, corpus.posts, misses=args.misses)
        for name in corpus.missing:
            print(f"  (left out: ../shared/fixtures/{name} is not here)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
