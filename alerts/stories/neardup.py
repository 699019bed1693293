"""`StoryWindow`: which story a post belongs to, over a sliding window of recent posts.

Contract:

- ``assign(item)`` returns the key of the item's story: the story of a known item when
  one of the sameness rules below holds, else a new story keyed by ``item.key``. A key
  assigned before gets its first answer again (an edited post keeps its story).
- Sameness rules, exact ones first, first match wins:
  1. a shared canonical URL (`references`): the item's own URL, the original it
     forwards or reposts, or the link it credits is a known item's own URL or another
     item's original — an original counts whether it arrives before or after its
     forwards; or a reply: the item replies to a known post of its own source;
  2. near-duplicate text: known items whose estimated Jaccard similarity and clues
     pass `Policy` (see `alerts.stories.sameness`). One source's items are separate
     events unless the later announces an update: a story that already holds an item
     of the new item's source is never joined otherwise, and of each source only its
     latest passing item vouches for a story (a repost of the second air-raid warning
     joins the second, not the first). When the vouched stories are several, the story
     with most passing items wins, then the one with the clearest match, then the
     oldest. Candidates are every item within `Policy.horizon`, whose low bars LSH
     cannot serve; beyond it, for a text of `Policy.short` shingles or more (a shorter
     one merges with nothing that far, rule 5), the LSH candidates (MinHash bands) of
     that size, the `PER_BUCKET` latest of each bucket; plus the items within
     `Policy.retell_close` whose word sketches share enough bits (retellings: their
     Jaccard is below every bar); plus the items within `Policy.fact_horizon` that
     share a place, or a topic and a number when neither names a place
     (`facts.finding_keys`). At most `CANDIDATES` of the alike and of the others are
     weighed.
- ``remember(item, story)`` holds an item in a story decided elsewhere (another process
  sharing the database, or the stored story of a post at a restart), as if ``assign``
  had answered ``story``.
- Items older than the window are never candidates, even before ``expire``;
  ``expire(now)`` forgets items published before ``now - window`` (their URLs, LSH
  entries and signatures); ``len()`` counts the items held.
- Items are expected in publication order (the poll loop's order; rebuilding at start
  is ``assign`` over stored posts in order, bounded by the window). A late item is still
  compared with its LSH candidates within the window of its own time.
- Deterministic: the same items in the same order give the same stories in every
  process (fixed MinHash seed, no salted hashing, candidates in slot order).
"""

from __future__ import annotations

import heapq
import sys
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from alerts.stories.bands import BandIndex, BandKeys
from alerts.stories.canonical import canonical_url
from alerts.stories.facts import NO_FACTS
from alerts.stories.fingerprint import NUM_PERM, SKETCH_BITS, Fingerprint, Fingerprinter
from alerts.stories.places import PlaceIndex
from alerts.stories.references import references
from alerts.stories.sameness import Evidence, Policy
from alerts.stories.signatures import RecentSignatures, SignatureStore, low_bytes

if TYPE_CHECKING:
    from alerts.stories.clues import Clues
    from alerts.stories.facts import FactReader, Facts
    from alerts.stories.fingerprint import Signature
    from alerts.stories.signatures import LowBytes, WordBits

WINDOW = timedelta(hours=48)
BAND_ROWS = 4
"""Signature values per LSH band: 24 bands of 4 for 96 permutations put the S-curve's
middle near a Jaccard of 0.45, the lowest bar LSH serves (beyond `Policy.close`, where
the bar climbs towards `Policy.far_threshold`): a pair at 0.6 is found 19 times in 20,
at 0.7 all but once in 700."""
CANDIDATES = 16
"""Known items weighed per post, of the alike texts (most alike first) and again of the
retellings (latest first): a channel's template fills the window with dozens of items
alike, and the ones that decide are the closest and the latest."""
PER_BUCKET = 8
"""Items of one LSH bucket weighed per post, the latest: dozens of one template's
items share a bucket, and of a source's repeated texts the latest is the one that
counts."""
WORD_MARGIN = 0.05
"""Below `Policy.retell_floor` by this much in the word sketches still goes on to the word
sets: two shared words colliding in one bit lose a shared bit."""


@dataclass(frozen=True, slots=True)
class StoryItem:
    """One post as story clustering sees it."""

    key: str
    """Unique across the window, e.g. ``"post:123"``; a new story is named after it."""
    source: str
    text: str
    url: str | None
    published_at: datetime
    """Timezone-aware UTC."""
    forwarded_url: str | None = None
    """``https://t.me/name/123`` of the original, for forwards and reposts."""
    reply_to_url: str | None = None
    """``https://t.me/name/120`` of the post this one replies to in its own channel."""

    def __post_init__(self) -> None:
        if self.published_at.utcoffset() != timedelta(0):
            raise ValueError(f"published_at must be timezone-aware UTC, got {self.published_at!r}")


@dataclass(slots=True)
class _Entry:
    key: str
    source: str
    story: str
    published_at: datetime
    row: int | None
    """Signature row, None when the text is too short to compare."""
    size: int
    clues: Clues
    """Names and update markers matter only within `Policy.horizon`; later, numbers."""
    urls: tuple[str, ...]
    """Canonical URLs this item registered: its own, its original's, its credits."""
    facts: Facts = NO_FACTS
    """Read only within `Policy.fact_horizon`; dropped later, like names."""


@dataclass(slots=True)
class _Keys:
    """A signed text's look-up keys, read once for the query and the insert.

    Not frozen: one is built a post, and a frozen dataclass sets each field through
    ``object.__setattr__``."""

    bands: BandKeys
    words: WordBits
    """`Fingerprint.sketch_bits`: the bits its word sketch sets."""
    low: LowBytes
    """The low bytes of its signature, what the recent store scans and keeps."""


class StoryWindow:
    """Stories of the posts of the last ``window``; see the module docstring.

    ``threshold`` is the Jaccard bar for posts close in time (`Policy.threshold`, which
    it replaces when given); ``policy`` holds every other bar. ``num_perm`` MinHash
    permutations (32 or more) make ``num_perm // 4`` LSH bands of 4 values.
    """

    def __init__(
        self,
        window: timedelta = WINDOW,
        *,
        threshold: float | None = None,
        num_perm: int = NUM_PERM,
        policy: Policy | None = None,
        facts: FactReader | None = None,
    ) -> None:
        if num_perm < RecentSignatures.PREFILTER:
            raise ValueError(f"num_perm must be {RecentSignatures.PREFILTER} or more")
        policy = policy if policy is not None else Policy()
        if threshold is not None:
            policy = replace(policy, threshold=threshold)
        self.window = window
        self.policy = policy
        self.facts = facts
        self._fingerprint = Fingerprinter(num_perm=num_perm, facts=facts)
        self._places = PlaceIndex(policy.fact_horizon.total_seconds())
        self._bands = BandIndex(num_perm // BAND_ROWS, BAND_ROWS)
        self._signatures = SignatureStore(num_perm)
        self._recent = RecentSignatures(num_perm, SKETCH_BITS // 64)
        self._entries: dict[int, _Entry] = {}
        self._slot_by_key: dict[str, int] = {}
        self._url_story: dict[str, tuple[str, int]] = {}
        # (story, source) -> how many of the window's items that source has in the story.
        self._story_sources: dict[tuple[str, str], int] = {}
        self._expiry: list[tuple[datetime, int]] = []
        self._next_slot = 0
        # The policy's reaches in seconds and its floors, read for every post.
        self._aging = max(policy.horizon(update=True), policy.fact_horizon).total_seconds()
        self._reach = {
            update: (policy.horizon(update).total_seconds(), policy.floor(update))
            for update in (False, True)
        }
        self._retell = (policy.retell_close.total_seconds(), policy.retell_floor - WORD_MARGIN)

    def __len__(self) -> int:
        return len(self._entries)

    def assign(self, item: StoryItem) -> str:
        known = self._slot_by_key.get(item.key)
        if known is not None:
            return self._entries[known].story
        urls = references(item.url, item.forwarded_url, item.text)
        fingerprint = self._fingerprint(item.text)
        keys = self._keys(fingerprint)
        story = next((self._url_story[url][0] for url in urls if url in self._url_story), None)
        if story is None:
            story = self._replied_story(item)
        if story is None:
            story = self._story_by_text(item, fingerprint, keys)
        if story is None:
            story = item.key
        self._add(item, story, fingerprint, urls, keys)
        return story

    def remember(self, item: StoryItem, story: str) -> None:
        """Hold an item whose story was decided elsewhere (stored by another process, or
        before a restart), so later items are compared with it; a known key is ignored."""
        if item.key in self._slot_by_key:
            return
        urls = references(item.url, item.forwarded_url, item.text)
        fingerprint = self._fingerprint(item.text)
        self._add(item, story, fingerprint, urls, self._keys(fingerprint))

    def expire(self, now: datetime) -> None:
        cutoff = now - self.window
        while self._expiry and self._expiry[0][0] < cutoff:
            _, slot = heapq.heappop(self._expiry)
            self._forget(slot)

    def _keys(self, fingerprint: Fingerprint) -> _Keys | None:
        """What a text with a signature is found by, read once for query and insert."""
        signature = fingerprint.signature
        if signature is None:
            return None
        return _Keys(
            self._bands.band_keys(signature), fingerprint.sketch_bits, low_bytes(signature)
        )

    def _replied_story(self, item: StoryItem) -> str | None:
        """A source replying to its own post says the reply is about the same event."""
        replied = canonical_url(item.reply_to_url) if item.reply_to_url else None
        known = self._url_story.get(replied) if replied else None
        if known is None or self._entries[known[1]].source != item.source:
            return None
        return known[0]

    def _story_by_text(
        self, item: StoryItem, fingerprint: Fingerprint, keys: _Keys | None
    ) -> str | None:
        signature = fingerprint.signature
        if signature is None or keys is None:
            return None
        # Story -> (items that pass, best margin). A story that several of its items vouch
        # for beats one near item of a splinter: an update that reads most like a one-line
        # summary still belongs with the governor's post and its reposts.
        passing: dict[str, tuple[int, float]] = {}
        updated: set[str] = set()
        latest: dict[str, _Entry] = {}
        own, update, at = item.source, fingerprint.clues.update, item.published_at
        entries, story_sources = self._entries, self._story_sources
        policy = self.policy
        margin_of, weigh, rules_out = policy.margin, policy.weigh, policy.rules_out
        for slot, jaccard in self._candidates(item, fingerprint, signature, keys):
            entry = entries[slot]
            if not update and (entry.source == own or (entry.story, own) in story_sources):
                continue  # only an update joins a story its source already reported
            apart = abs(entry.published_at - at)
            if apart > self.window:
                continue
            same_source = entry.source == own
            if entry.published_at <= at:
                clues, facts = (entry.clues, fingerprint.clues), (entry.facts, fingerprint.facts)
            else:
                clues, facts = (fingerprint.clues, entry.clues), (fingerprint.facts, entry.facts)
            if not same_source and rules_out(jaccard, clues, facts):
                continue
            evidence = Evidence(
                jaccard, (entry.size, fingerprint.size), apart, clues, same_source, facts
            )
            # Past `rules_out`, a pair of two sources is weighed without asking it again.
            margin = margin_of(evidence) if same_source else weigh(evidence)
            if margin is None or margin < 0:
                continue
            if same_source:
                updated.add(entry.story)
            known = latest.get(entry.source)
            if known is None or entry.published_at >= known.published_at:
                latest[entry.source] = entry
            count, best = passing.get(entry.story, (0, margin))
            passing[entry.story] = (count + 1, max(best, margin))
        # A source that posted alike texts twice made two events; what others wrote alike
        # follows its latest (a repost of the 08:20 warning is not the 08:00 one).
        vouched = {entry.story for entry in latest.values()}
        # A story the item's source already reported is another event, unless the item
        # updates that report.
        stories = [
            story
            for story in passing
            if story in vouched and (story in updated or (story, own) not in self._story_sources)
        ]
        # Candidates come in slot order, so on a tie the story seen first (the oldest) wins.
        return max(stories, key=passing.__getitem__, default=None)

    def _candidates(
        self, item: StoryItem, fingerprint: Fingerprint, signature: Signature, keys: _Keys
    ) -> list[tuple[int, float]]:
        """Known items that may clear a bar, with their estimated Jaccard, by slot."""
        at = item.published_at.timestamp()
        horizon, floor = self._reach[fingerprint.clues.update]
        retell_close, retell_share = self._retell
        worded_span, recent_span = self._recent.spans(at, retell_close, horizon)
        found = self._alike_recent(recent_span, keys.low, signature, floor)
        # Retellings share words, not wording: their Jaccard is below every scan's floor.
        worded = self._recent.scan_words(worded_span, keys.words, retell_share)
        # Reports of the same facts in other words or languages share neither.
        placed = self._places.near(fingerprint.finding, at)
        # Beyond the horizon only wording alike counts, and never for a short text (rule 5).
        # An item found already keeps its share. One the recent cut left out may come back
        # here, after the 16 found that beat or tie it: the cut below leaves it out again.
        entries, short = self._entries, self.policy.short
        near = (
            {
                slot: row
                for slot in self._bands.candidates(keys.bands, PER_BUCKET)
                if slot not in found
                and (entry := entries.get(slot)) is not None
                and (row := entry.row) is not None
                and entry.size >= short
            }
            if fingerprint.size >= short
            else {}
        )
        share_of = dict(zip(near, self._similarity(list(near.values()), signature), strict=True))
        far_floor = self.policy.far_floor
        found.update((slot, share) for slot, share in share_of.items() if share >= far_floor)
        if len(found) > CANDIDATES:
            found = dict(heapq.nlargest(CANDIDATES, found.items(), key=lambda pair: pair[1]))
        # The latest, repeats and all, as the window has always weighed them; only those
        # are read (a busy place alone brings a few dozen).
        retold: list[int] = []
        unread: dict[int, int] = {}
        for slot in sorted([*worded, *placed], reverse=True):
            if slot in found or (entry := entries.get(slot)) is None or (row := entry.row) is None:
                continue
            retold.append(slot)
            if slot not in share_of:
                unread[slot] = row
            if len(retold) == CANDIDATES:
                break
        shares = self._similarity(list(unread.values()), signature)
        share_of.update(zip(unread, shares, strict=True))
        found.update((slot, share_of[slot]) for slot in retold)
        return sorted(found.items())

    def _alike_recent(
        self, span: tuple[int, int], low: LowBytes, signature: Signature, floor: float
    ) -> dict[int, float]:
        """The `CANDIDATES` items of the recent ``span`` most alike (the earlier first on a
        tie, as `heapq.nlargest` keeps them) of those at ``floor`` or more, by share.

        Confirmed and ranked in numpy: a template's scan brings hundreds, and of those
        only the ones weighed become Python objects. Of the items weighed of all kinds,
        these come first on a tie, so no item cut here could have been weighed.
        """
        slots, rows = self._recent.scan(span, low, floor)
        if len(rows) == 0:
            return {}
        shares = self._signatures.similarity(rows, signature)
        (alike,) = (shares >= floor).nonzero()
        if len(alike) > CANDIDATES:
            alike = alike[np.argsort(-shares[alike], kind="stable")[:CANDIDATES]]
        return dict(zip(slots[alike].tolist(), shares[alike].tolist(), strict=True))

    def _similarity(self, rows: list[int], signature: Signature) -> list[float]:
        """Estimated Jaccard similarity of ``signature`` with the signatures of ``rows``."""
        if not rows:
            return []
        shares: list[float] = self._signatures.similarity(rows, signature).tolist()
        return shares

    def _add(
        self,
        item: StoryItem,
        story: str,
        fingerprint: Fingerprint,
        urls: tuple[str, ...],
        keys: _Keys | None,
    ) -> None:
        slot = self._next_slot
        self._next_slot += 1
        at = item.published_at.timestamp()
        row = None
        if fingerprint.signature is not None and keys is not None:
            row = self._signatures.add(fingerprint.signature)
            self._bands.insert(slot, keys.bands)
            self._recent.append(at, slot, row, keys.low, keys.words)
        self._entries[slot] = _Entry(
            key=item.key,
            source=sys.intern(item.source),
            story=story,
            published_at=item.published_at,
            row=row,
            size=fingerprint.size,
            clues=fingerprint.clues,
            urls=urls,
            facts=fingerprint.facts,
        )
        self._places.add(fingerprint.finding, at, slot)
        self._slot_by_key[item.key] = slot
        pair = (story, item.source)
        self._story_sources[pair] = self._story_sources.get(pair, 0) + 1
        for url in urls:
            # The newest holder keeps a URL alive for the whole window after it.
            self._url_story[url] = (story, slot)
        heapq.heappush(self._expiry, (item.published_at, slot))
        self._age_recent(at)

    def _age_recent(self, now: float) -> None:
        """Past the longest horizon only numbers are read: drop names to save memory."""
        for slot in self._recent.drop_before(now - self._aging):
            entry = self._entries.get(slot)
            if entry is not None:
                entry.clues, entry.facts = entry.clues.numbers_only(), NO_FACTS
        self._places.drop_before(now)

    def _forget(self, slot: int) -> None:
        entry = self._entries.pop(slot)
        del self._slot_by_key[entry.key]
        pair = (entry.story, entry.source)
        left = self._story_sources.pop(pair) - 1
        if left:
            self._story_sources[pair] = left
        if entry.row is not None:
            self._bands.remove(slot)
            self._recent.forget(slot)
            self._signatures.free(entry.row)
        for url in entry.urls:
            if self._url_story.get(url, ("", -1))[1] == slot:
                del self._url_story[url]
