"""`Policy`: when two alike texts report one event, and when they do not.

The evidence about a pair of posts is the estimated Jaccard similarity of their shingle
sets, the estimated containment of the shorter in the longer (a news site quoting the
governor's post and adding sentences of its own), how far apart in time they were
published, whether one source published both, and their `Clues`: numbers, names,
content words, update markers.

Reposts and rewrites of one event follow it within minutes to a couple of hours;
what reads alike later is mostly another event of the same kind: the next air-raid
alert, the next daily summary, the next "дрон атаковал автомобиль в Шебекино". So:

1. Within ``close`` of each other, a pair is one event when its Jaccard reaches
   ``threshold`` (``short_threshold`` when the shorter post has fewer than ``short``
   shingles), or when the shorter text, of ``contained_min`` shingles at least, is
   contained to ``contained`` in a text ``contained_ratio`` times its size or more,
   with a Jaccard of at least ``contained_floor``. (A one-line alert is "contained" in
   its own all-clear, "Отбой ракетной опасности …"; between texts of similar size
   containment only restates the Jaccard similarity.)
2. Within ``close``, a rewrite — a news site retelling a governor's post in its own
   words — is one event when it shares at least ``rewrite_names`` names (town, street,
   person; see `Clues`) and a Jaccard of ``rewrite_floor`` with the post.
3. Within ``update_window``, a post announcing an update ("число пострадавших
   возросло до пяти") joins an earlier post that shares a name with it (the town) and
   some wording (``update_floor``): updates are rewritten, not reposted.
4. Beyond ``close`` the bar rises linearly from the bar of rule 1 to ``far_threshold``
   at ``far`` and stays there; containment and names no longer count. Similarity
   alone never merges a pair when their numbers disagree (fewer than half of the
   smaller set of numbers appear in the other): within ``close`` that is an updated
   count, later another event.
0. Before all: when one source published both, only rule 3 applies. A source does not
   repeat its news, it repeats its templates (the second air-raid warning of the
   morning is a new alert); what it updates, it says it updates.
5. A short post never merges by similarity alone with one more than ``short_close``
   away: short alerts ("Ракетная опасность в Курской области") repeat word for word.
   (An update, rule 3, is more than similarity.)
6. Two posts worded alike (Jaccard at least ``template``) that each name something the
   other does not ("Аэропорт Внуково: введены ограничения…" and "Аэропорт Домодедово: …")
   are one template filled in twice, never one event. (Rewrites differ in names both
   ways too — an agency adds its own — but they are not worded alike.)
7. Within ``retell_close``, a retelling — an agency's one-line summary, a channel's
   own words, a utility's notice — is one event with a post when most of the content
   words of the one with fewer (``retell_words`` at least) are the other's: a share of
   ``retell``, or of ``retell_named`` when they also share ``rewrite_names`` names.
   Retellings share words, not wording, so the Jaccard does not count. Between two
   short posts (both under ``short`` shingles) every word must be shared: "Отбой
   ракетной опасности в Курской области" has all but one word of the alert it ends.
   Never when one source published both (a source retells nothing, it fills in its
   templates), when their numbers disagree, or when each names something the other
   does not and they share no name (two towns hit the same night, one template).

8. Within ``fact_reach``, reports in other words or another language are one event
   when their `Facts` agree (`Evidence.fact_score`): a place the gazetteer resolves
   (or, short of one, two numbers), and with it numbers, a topic or named actors, at
   least ``fact_least`` in all. The reach shrinks as fewer facts agree: one hour at
   ``fact_least``, two with one more, three with more. Numbers that disagree rule it
   out. Its margin is scaled by ``fact_weight``: between two stories, the one whose
   wording the post repeats wins.

Posts too short to have a signature never reach this policy. ``margin`` says by how
much a pair clears its best bar, to rank candidates: None when no bar applies, and
when the pair's wording, update and numbers rule out every bar at once (most pairs a
window weighs); below a bar it may be negative or None.
The defaults were chosen on the tuning part of tests/data/stories only
(``bench/dedup_quality.py`` prints it and the held-out part apart). There, without
rule 7 recall falls from 0.93 to 0.82, without rule 2 to 0.84, without rule 3 to 0.72;
without rule 6 precision falls from 1.00 to 0.98 (measured before rule 8). Rule 8
lifts recall within a language from 0.93 to 0.98 and across languages from 0 to 0.92;
``fact_least`` 4 instead of 3 keeps precision at 1.00 but loses 0.11 across languages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from alerts.stories.clues import shared_names
from alerts.stories.facts import NO_FACTS

if TYPE_CHECKING:
    from alerts.stories.clues import Clues
    from alerts.stories.facts import Facts

DEFAULT_THRESHOLD = 0.45


@dataclass(slots=True)
class Evidence:
    """What is known about a pair of posts' texts.

    Not frozen: a window builds one per weighed pair, a dozen or more a post, and a
    frozen dataclass sets each field through ``object.__setattr__``, three times the cost.
    """

    jaccard: float
    """Estimated Jaccard similarity of the shingle sets."""
    sizes: tuple[int, int]
    """Distinct shingles of each post."""
    apart: timedelta
    """Time between the two posts' publication, never negative."""
    clues: tuple[Clues, Clues]
    """Clues of the earlier post, then of the later one."""
    same_source: bool = False
    facts: tuple[Facts, Facts] = (NO_FACTS, NO_FACTS)
    """Facts of the earlier post, then of the later one (none when not read)."""

    @property
    def containment(self) -> float:
        """Estimated share of the shorter post's shingles found in the longer one."""
        small, large = sorted(self.sizes)
        if small == 0:
            return 0.0
        # |A ∩ B| = J (|A| + |B|) / (1 + J) for sets A, B with Jaccard J.
        shared = self.jaccard * (small + large) / (1.0 + self.jaccard)
        return min(1.0, shared / small)

    @property
    def words(self) -> tuple[int, int]:
        """Content words (stems) the posts share, and how many the post with fewer has."""
        first, second = (clues.words for clues in self.clues)
        return len(set(first).intersection(second)), min(len(first), len(second))

    @property
    def numbers_agree(self) -> bool:
        return _numbers_agree(self.clues[0].numbers, self.clues[1].numbers)

    @property
    def numbers_conflict(self) -> bool:
        """Numbers rule out both rules 7 (`numbers_agree`) and 8 (`fact_score`)."""
        return numbers_conflict(self.clues, self.facts)

    @property
    def shared_names(self) -> int:
        return shared_names(*self.clues)

    @property
    def names_conflict(self) -> bool:
        """Each post names something the other does not write at all."""
        first, second = self.clues
        return bool(first.names - second.capitals) and bool(second.names - first.capitals)

    @property
    def update(self) -> bool:
        """The later post announces an update and names what the earlier one names."""
        if not self.clues[1].update:
            return False
        return self.shared_names > 0 or self.places_shared

    @property
    def places_shared(self) -> bool:
        """The posts name a gazetteer place in common."""
        first, second = self.facts
        return not first.places.isdisjoint(second.places)

    @property
    def fact_score(self) -> int | None:
        """How many facts of one event the posts share (rule 8), None when they conflict.

        Shared places count 2 (shared regions alone 1) when they are at least half the
        places of the post naming fewer (a digest naming twenty towns shares one with
        every report), shared numbers 1 each up to 2, a shared topic 1, shared actors 1
        each up to 2. Numbers that disagree, or no
        place and fewer than two numbers in common, rule the pair out.
        """
        return _fact_score(*self.facts)


@dataclass(frozen=True, slots=True)
class Policy:
    """The bars of the module docstring; defaults chosen on the tuning part."""

    threshold: float = DEFAULT_THRESHOLD
    short: int = 180
    short_threshold: float = 0.6
    short_close: timedelta = timedelta(hours=1)
    contained: float = 0.7
    contained_min: int = 80
    contained_ratio: float = 1.25
    contained_floor: float = 0.3
    close: timedelta = timedelta(hours=3)
    far: timedelta = timedelta(hours=12)
    far_threshold: float = 0.9
    update_window: timedelta = timedelta(hours=6)
    update_floor: float = 0.05
    rewrite_floor: float = 0.2
    rewrite_names: int = 2
    template: float = 0.6
    retell: float = 0.65
    retell_named: float = 0.5
    retell_close: timedelta = timedelta(hours=1)
    """At most ``close`` and the update window: content words are kept that long."""
    retell_words: int = 4
    fact_reach: tuple[timedelta, ...] = (
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=3),
    )
    """Rule 8: how far apart a pair sharing ``fact_least`` facts may be, then one more
    fact, then more: the fewer facts agree, the closer in time they must be."""
    fact_least: int = 3
    fact_weight: float = 0.1
    _worded: float = field(init=False, repr=False, compare=False)
    """`floor` of a post that is no update, read for every pair weighed."""
    _fact_horizon: timedelta = field(init=False, repr=False, compare=False)
    """`fact_horizon`, read for every pair weighed."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_worded", self.floor(update=False))
        object.__setattr__(self, "_fact_horizon", self.fact_horizon)

    @property
    def fact_horizon(self) -> timedelta:
        return self.fact_reach[-1]

    def _facts_agree(self, evidence: Evidence) -> float | None:
        """The margin of rule 8, None when it does not apply."""
        score = _fact_score(*evidence.facts)
        if score is None or score < self.fact_least:
            return None
        reach = self.fact_reach[min(score - self.fact_least, len(self.fact_reach) - 1)]
        # Shared facts are weaker evidence than shared wording: on a tie between two
        # stories, the one whose text the post repeats wins.
        return self.fact_weight * (1.0 - evidence.apart / reach)

    def horizon(self, update: bool) -> timedelta:
        """How far apart in time the low bars reach, for a post that is an update or not."""
        return max(self.close, self.update_window) if update else self.close

    def floor(self, update: bool) -> float:
        """The least Jaccard similarity any rule accepts within `horizon`."""
        bars = [self.threshold, self.short_threshold, self.contained_floor, self.rewrite_floor]
        return min([*bars, self.update_floor] if update else bars)

    @property
    def retell_floor(self) -> float:
        """The least share of content words any retelling bar accepts."""
        return min(self.retell, self.retell_named)

    @property
    def far_floor(self) -> float:
        """The least Jaccard similarity any rule accepts beyond ``close``."""
        return min(self.threshold, self.short_threshold)

    def margin(self, evidence: Evidence) -> float | None:
        """How far the pair clears its bar (negative: it does not), None if it never can."""
        jaccard, apart = evidence.jaccard, evidence.apart
        if evidence.same_source:
            # A source repeats its templates, not its news: only its own update joins.
            if apart <= self.update_window and evidence.update:
                return jaccard - self.update_floor
            return None
        if self.rules_out(jaccard, evidence.clues, evidence.facts):
            return None
        return self.weigh(evidence)

    def weigh(self, evidence: Evidence) -> float | None:
        """`margin` of a pair of two sources that `rules_out` lets through: a window
        asks `rules_out` first, to skip building most pairs' `Evidence`.

        A window weighs a few pairs a post, half of which clear a bar: each rule is read
        here from the evidence's fields, and the best margin kept as it comes (no list
        of margins, no call a rule), the same figures `Evidence`'s properties give.
        """
        jaccard, apart, (earlier, later) = evidence.jaccard, evidence.apart, evidence.clues
        if jaccard >= self.template and evidence.names_conflict:
            return None
        # Rule 8 only falls short beyond its farthest reach, and is not read there.
        best = self._facts_agree(evidence) if apart <= self._fact_horizon else None
        if later.update and apart <= self.update_window and evidence.update:
            margin = jaccard - self.update_floor
            best = margin if best is None or margin > best else best
        small, large = evidence.sizes
        if large < small:
            small, large = large, small
        short = small < self.short
        if short and apart > self.short_close:
            return best
        near = self.short_threshold if short else self.threshold
        if apart <= self.close:
            margin = jaccard - near
            best = margin if best is None or margin > best else best
            if (
                small >= self.contained_min
                and large >= self.contained_ratio * small
                and jaccard >= self.contained_floor
            ):
                margin = evidence.containment - self.contained
                best = margin if margin > best else best
            names = shared_names(earlier, later)
            if names >= self.rewrite_names:
                margin = jaccard - self.rewrite_floor
                best = margin if margin > best else best
            if apart <= self.retell_close:
                retold = self._retold(evidence, names, large)
                best = retold if retold is not None and retold > best else best
        elif _numbers_agree(earlier.numbers, later.numbers):
            progress = min(1.0, (apart - self.close) / (self.far - self.close))
            margin = jaccard - (near + (self.far_threshold - near) * progress)
            best = margin if best is None or margin > best else best
        return best

    def rules_out(
        self, jaccard: float, clues: tuple[Clues, Clues], facts: tuple[Facts, Facts]
    ) -> bool:
        """Whether no bar can apply to a pair of two sources, whatever their sizes and
        time apart: `margin` is None then, and a window skips building its `Evidence`.

        Most pairs weighed: worded too differently for rules 1, 2 and 4, no update
        (rule 3), and numbers that rule out 7 and 8.
        """
        return jaccard < self._worded and not clues[1].update and numbers_conflict(clues, facts)

    def _retold(self, evidence: Evidence, names: int, large: int) -> float | None:
        """The margin of rule 7 for a pair of two sources, None when it does not apply;
        ``names``: the pair's `Evidence.shared_names`, read once for rules 2 and 7;
        ``large``: the larger of its sizes."""
        earlier, later = evidence.clues
        if not _numbers_agree(earlier.numbers, later.numbers):
            return None
        first, second = earlier.words, later.words
        fewer = min(len(first), len(second))
        if fewer < self.retell_words:
            return None
        if names == 0 and evidence.names_conflict:
            return None
        shared = len(set(first).intersection(second))
        if large < self.short:
            return 0.0 if shared == fewer else None
        return shared / fewer - (self.retell_named if names >= self.rewrite_names else self.retell)

    def same_event(self, evidence: Evidence) -> bool:
        margin = self.margin(evidence)
        return margin is not None and margin >= 0


def numbers_conflict(clues: tuple[Clues, Clues], facts: tuple[Facts, Facts]) -> bool:
    """Numbers rule out both rules 7 (`Evidence.numbers_agree`) and 8 (`Evidence.fact_score`)."""
    first, second = facts[0].numbers, facts[1].numbers
    if not first or not second or not first.isdisjoint(second):
        return False
    written, other = clues[0].numbers, clues[1].numbers
    if not written or not other:
        return False
    return 2 * len(set(written).intersection(other)) < min(len(written), len(other))


def _numbers_agree(first: tuple[int, ...], second: tuple[int, ...]) -> bool:
    """At least half of the smaller set of numbers is in the other (none: they agree)."""
    if not first or not second:
        return True
    return 2 * len(set(first).intersection(second)) >= min(len(first), len(second))


def _fact_score(first: Facts, second: Facts) -> int | None:
    """`Evidence.fact_score` of two posts' facts."""
    if _most(first.places, second.places):
        place = 2
    elif _most(first.regions, second.regions):
        place = 1
    elif first.numbers and second.numbers:
        place = 0
    else:
        return None
    numbers = len(first.numbers & second.numbers)
    if first.numbers and second.numbers and not numbers:
        return None
    if place == 0 and numbers < 2:
        return None
    topics = 1 if first.topics & second.topics else 0
    actors = min(2, len(first.actors & second.actors))
    return place + min(2, numbers) + topics + actors


def _most(first: frozenset[str], second: frozenset[str]) -> bool:
    """At least half of the smaller set is in the other."""
    shared = len(first & second)
    return shared > 0 and 2 * shared >= min(len(first), len(second))
