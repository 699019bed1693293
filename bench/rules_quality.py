"""Precision and recall of the rule language on the labelled corpus in tests/data/rules.

    .venv/bin/python -m bench.rules_quality [--misses]

The corpus has two parts, each a folder with its own ``rules.jsonl`` and labelled posts:

- ``tuning/``: the posts the gazetteer and topic tables were checked against while
  they were written; its figures say little about text the tables never saw.
- ``heldout/``: written before the tables were changed and never tuned on — new posts
  (``posts.jsonl``) and real posts of the feeds and channel pages in ../shared/fixtures,
  referenced by file and item id (``real.jsonl``, texts read from there at run time and
  skipped when that folder is absent; they are never copied into the project).

Every rule of a part is matched against every post of that part with the real lexicon
(``Lexicon.load()``); a post's ``expect`` lists the rules a person wants to fire on it.
Labels follow the documented meaning of words, phrases and prefixes and the intent of
``region:`` and ``topic:`` (see tests/data/rules/README.md). Prints precision and recall
per rule and overall (micro) for each part; ``--misses`` lists every false positive
and false negative. The last lines compare both parts with and without the stem
fallback for words no dictionary knows (``Morphology.load(stem_unknown=False)``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.scoring import Score
from monitors.channelpage import parse_channel_page
from monitors.feed import parse_feed
from rules.lexicon import Lexicon
from rules.matcher import Matcher
from rules.morphology import Morphology
from rules.syntax import parse_rule

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "rules"
TUNING = CORPUS / "tuning"
HELD_OUT = CORPUS / "heldout"
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"

Post = dict[str, Any]


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def _fixture_texts(name: str) -> dict[str, str]:
    """External id → text of every post of one saved feed or channel page."""
    path = FIXTURES / name
    if name.startswith("telegram/"):
        posts = parse_channel_page(
            path.read_text(encoding="utf-8"), name="x", base_url="https://t.me"
        ).posts
    else:
        posts = parse_feed(path.read_bytes(), url="https://example.org/", content_type=None).posts
    return {post.external_id: post.text for post in posts}


def real_posts(folder: Path = HELD_OUT, fixtures: Path = FIXTURES) -> list[Post]:
    """The labelled real posts, their texts read from the shared fixtures (if present)."""
    if not fixtures.exists():
        return []
    texts: dict[str, dict[str, str]] = {}
    posts = []
    for number, row in enumerate(_lines(folder / "real.jsonl"), start=1):
        name = str(row["fixture"])
        if name not in texts:
            texts[name] = _fixture_texts(name)
        posts.append({**row, "id": f"real-{number}", "text": texts[name][str(row["item"])]})
    return posts


def load_corpus(folder: Path) -> tuple[list[dict[str, str]], list[Post]]:
    """One part's rules and posts (the held-out part with its real posts)."""
    rules = [
        {"id": str(row["id"]), "rule": str(row["rule"])} for row in _lines(folder / "rules.jsonl")
    ]
    posts = _lines(folder / "posts.jsonl") + (real_posts(folder) if folder == HELD_OUT else [])
    return rules, posts


def score(lexicon: Lexicon, folder: Path) -> dict[str, Score]:
    """Rule id → its score on one part of the corpus."""
    rules, posts = load_corpus(folder)
    matcher = Matcher(lexicon)
    ids = {}
    for number, row in enumerate(rules):
        matcher.add(number, parse_rule(row["rule"], lexicon))
        ids[number] = row["id"]
    scores = {row["id"]: Score() for row in rules}
    for post in posts:
        text, source = str(post["text"]), str(post["source"])
        got = {ids[hit.rule_id] for hit in matcher.match(text, sources=[source])}
        expected = set(post["expect"])
        for rule_id, rule_score in scores.items():
            if rule_id in got and rule_id in expected:
                rule_score.true_positive += 1
            elif rule_id in got:
                rule_score.false_positive += 1
                rule_score.misses.append(f"FP #{post['id']}: {text[:300]}")
            elif rule_id in expected:
                rule_score.false_negative += 1
                rule_score.misses.append(f"FN #{post['id']}: {text[:300]}")
    return scores


def total(scores: dict[str, Score]) -> Score:
    overall = Score()
    for one in scores.values():
        overall.true_positive += one.true_positive
        overall.false_positive += one.false_positive
        overall.false_negative += one.false_negative
    return overall


def report(name: str, folder: Path, lexicon: Lexicon, *, misses: bool) -> Score:
    rules, posts = load_corpus(folder)
    scores = score(lexicon, folder)
    texts = {row["id"]: row["rule"] for row in rules}
    print(f"== {name}: {len(posts)} posts, {len(rules)} rules")
    print(f"{'rule':<5} {'TP':>4} {'FP':>3} {'FN':>3} {'prec':>6} {'recall':>6}  text")
    for rule_id, one in scores.items():
        print(
            f"{rule_id:<5} {one.true_positive:>4} {one.false_positive:>3} "
            f"{one.false_negative:>3} {one.precision:>6.3f} {one.recall:>6.3f}  {texts[rule_id]}"
        )
        if misses:
            for miss in one.misses:
                print(f"        {miss}")
    overall = total(scores)
    print(
        f"{name} overall TP={overall.true_positive} FP={overall.false_positive} "
        f"FN={overall.false_negative} precision={overall.precision:.3f} "
        f"recall={overall.recall:.3f}\n"
    )
    return overall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every FP and FN")
    args = parser.parse_args()
    lexicon = Lexicon.load()
    tuning = report("tuning", TUNING, lexicon, misses=args.misses)
    held_out = report("held-out", HELD_OUT, lexicon, misses=args.misses)
    if not FIXTURES.exists():
        print(f"(no {FIXTURES}: the held-out figures leave out its real posts)")
    plain = Lexicon(Morphology.load(stem_unknown=False), lexicon.gazetteer, lexicon.topics)
    for name, folder, one in (("tuning", TUNING, tuning), ("held-out", HELD_OUT, held_out)):
        without = total(score(plain, folder))
        print(
            f"{name:<9} precision={one.precision:.3f} recall={one.recall:.3f}   "
            f"without stems: precision={without.precision:.3f} recall={without.recall:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
