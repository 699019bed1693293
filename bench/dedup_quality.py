"""Pairwise precision and recall of story clustering on the labelled set in tests/data/stories.

    .venv/bin/python -m bench.dedup_quality [--misses]

Every post of posts.jsonl goes through ``alerts.stories.dedup.dedup`` in publication
order (as ``lookout dedup`` would see it). A pair of posts is a true pair when both
carry the same ``story`` label; precision is the share of predicted pairs (same
predicted story) that are true, recall the share of true pairs predicted.

Posts that report one event in different languages carry the same ``event`` label but
different ``story`` labels: merging them is neither required nor wrong, so such pairs
count in neither figure. The Russian/Ukrainian pairs among them are reported apart.
It also counts the posts left outside the largest predicted cluster of their story
(one missed post of a ten-post story costs nine pairs). ``--misses`` lists those posts,
then every false pair and every missed pair with the two texts.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alerts.stories.dedup import dedup
from bench.scoring import Score

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "stories" / "posts.jsonl"


@dataclass
class CrossLanguage:
    pairs: int = 0
    merged: int = 0
    lines: list[str] = field(default_factory=list)


def load(path: Path = CORPUS) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def predict(posts: list[dict[str, Any]]) -> dict[str, str]:
    """Post id → id of the first post of its predicted story."""
    ordered = sorted(posts, key=lambda post: post["published_at"])
    return {row["id"]: row["story"] for row in dedup(ordered)}


def score(posts: list[dict[str, Any]], predicted: dict[str, str]) -> tuple[Score, CrossLanguage]:
    pairs, cross = Score(), CrossLanguage()
    for first, second in itertools.combinations(posts, 2):
        truly = first["story"] == second["story"]
        merged = predicted[first["id"]] == predicted[second["id"]]
        if not truly and first.get("event") and first.get("event") == second.get("event"):
            if {first["lang"], second["lang"]} == {"ru", "uk"}:
                cross.pairs += 1
                cross.merged += merged
                cross.lines.append(f"{'merged' if merged else 'apart '} {_pair(first, second)}")
            continue
        if truly and merged:
            pairs.true_positive += 1
        elif merged:
            pairs.false_positive += 1
            pairs.misses.append(f"FP {_pair(first, second)}")
        elif truly:
            pairs.false_negative += 1
            pairs.misses.append(f"FN {_pair(first, second)}")
    return pairs, cross


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every false and missed pair")
    args = parser.parse_args()
    posts = load()
    predicted = predict(posts)
    pairs, cross = score(posts, predicted)
    labels = {post["story"] for post in posts}
    print(
        f"{len(posts)} posts, {len(labels)} labelled stories, "
        f"{len(set(predicted.values()))} predicted stories"
    )
    print(
        f"pairs TP={pairs.true_positive} FP={pairs.false_positive} FN={pairs.false_negative} "
        f"precision={pairs.precision:.3f} recall={pairs.recall:.3f}"
    )
    strays = stray_posts(posts, predicted)
    print(f"posts outside their story's main cluster: {len(strays)} of {len(posts)}")
    languages: dict[str, set[str]] = {}
    for post in posts:
        if post.get("event"):
            languages.setdefault(post["event"], set()).add(post["lang"])
    both = sum({"ru", "uk"} <= found for found in languages.values())
    print(
        f"ru/uk reports of one event: {cross.merged} of {cross.pairs} pairs merged "
        f"({both} events reported in both languages)"
    )
    if args.misses:
        for line in cross.lines:
            print(f"ru/uk {line}")
        for post in strays:
            print(f"stray {post['id']} [{post['story']}] {post['source']}: {post['text'][:100]!r}")
        for miss in pairs.misses:
            print(miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
