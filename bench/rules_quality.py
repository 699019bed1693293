"""Precision and recall of the rule language on the labelled corpus in tests/data/rules.

    .venv/bin/python -m bench.rules_quality [--misses]

Every rule of rules.jsonl is matched against every post of posts.jsonl with the real
lexicon (``Lexicon.load()``); a post's ``expect`` lists the rules a person wants to fire
on it. Labels follow the documented meaning of words, phrases and prefixes (``дрон*``
matches the surname Дронов: that is what the rule says) and the intent of ``region:``
and ``topic:`` (a place named by an adjective, ``Харьковского района``, is in the region;
the submarine Kursk is not). Prints precision and recall per rule and overall (micro);
``--misses`` also lists every false positive and false negative.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.scoring import Score
from rules.lexicon import Lexicon
from rules.matcher import Matcher
from rules.syntax import parse_rule

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "rules"


def load_corpus(folder: Path = CORPUS) -> tuple[list[dict[str, str]], list[dict[str, object]]]:
    def lines(name: str) -> list[dict[str, object]]:
        with (folder / name).open(encoding="utf-8") as file:
            return [json.loads(line) for line in file if line.strip()]

    rules = [{"id": str(row["id"]), "rule": str(row["rule"])} for row in lines("rules.jsonl")]
    return rules, lines("posts.jsonl")


def score(lexicon: Lexicon, folder: Path = CORPUS) -> dict[str, Score]:
    """Rule id → its score on the corpus."""
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
        expected = set(post["expect"])  # type: ignore[call-overload]
        for rule_id, rule_score in scores.items():
            if rule_id in got and rule_id in expected:
                rule_score.true_positive += 1
            elif rule_id in got:
                rule_score.false_positive += 1
                rule_score.misses.append(f"FP #{post['id']}: {text}")
            elif rule_id in expected:
                rule_score.false_negative += 1
                rule_score.misses.append(f"FN #{post['id']}: {text}")
    return scores


def total(scores: dict[str, Score]) -> Score:
    overall = Score()
    for one in scores.values():
        overall.true_positive += one.true_positive
        overall.false_positive += one.false_positive
        overall.false_negative += one.false_negative
    return overall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every FP and FN")
    args = parser.parse_args()
    rules, posts = load_corpus()
    scores = score(Lexicon.load())
    texts = {row["id"]: row["rule"] for row in rules}
    print(f"{len(posts)} posts, {len(rules)} rules")
    print(f"{'rule':<5} {'TP':>4} {'FP':>3} {'FN':>3} {'prec':>6} {'recall':>6}  text")
    for rule_id, one in scores.items():
        print(
            f"{rule_id:<5} {one.true_positive:>4} {one.false_positive:>3} "
            f"{one.false_negative:>3} {one.precision:>6.3f} {one.recall:>6.3f}  {texts[rule_id]}"
        )
        if args.misses:
            for miss in one.misses:
                print(f"        {miss}")
    overall = total(scores)
    print(
        f"overall TP={overall.true_positive} FP={overall.false_positive} "
        f"FN={overall.false_negative} precision={overall.precision:.3f} "
        f"recall={overall.recall:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
