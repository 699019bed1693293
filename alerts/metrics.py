"""What a Lookout process counts for Prometheus, in a registry of its own.

The composition root builds one `Metrics` and hands it to the parts that count; a part
built without one counts nothing. Names follow Prometheus conventions (``lookout_``
prefix, ``_total`` counters, base units). Each process counts what it did itself:
with several processes, sum over instances. The outbox figures are read from the
database when scraped (`refresh_outbox`), so every instance reports the shared outbox.

- ``lookout_polls_total{outcome}``: ``ok`` (fetched and parsed), ``not_modified``
  (304 or the same body), ``error``;
- ``lookout_poll_duration_seconds`` (histogram): one source's fetch and parse;
- ``lookout_posts_stored_total``; ``lookout_alerts_queued_total`` (outbox entries written);
- ``lookout_alerts_sent_total`` (accepted by Telegram or printed; a digest counts each
  entry), ``lookout_alerts_cancelled_total`` (chat gone, message refused);
- ``lookout_telegram_flood_waits_total``: 429 answers;
- ``lookout_alert_latency_seconds`` (histogram): post first seen (its outbox entry
  written) to sent;
- ``lookout_outbox_pending``, ``lookout_outbox_oldest_pending_seconds`` (gauges): entries
  waiting, and the age of the oldest one due to an active chat;
- ``lookout_last_tick_age_seconds`` (gauge): since this process's poll loop last
  finished a tick.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

if TYPE_CHECKING:
    from datetime import datetime

    from monitors.poll import PollResult

LATENCY_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
POLL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        reg = self.registry
        self.polls = Counter("lookout_polls", "Polls by outcome.", ["outcome"], registry=reg)
        self.poll_seconds = Histogram(
            "lookout_poll_duration_seconds",
            "One source's fetch and parse.",
            buckets=POLL_BUCKETS,
            registry=reg,
        )
        self.posts_stored = Counter("lookout_posts_stored", "New posts stored.", registry=reg)
        self.alerts_queued = Counter(
            "lookout_alerts_queued", "Outbox entries written.", registry=reg
        )
        self.alerts_sent = Counter("lookout_alerts_sent", "Outbox entries sent.", registry=reg)
        self.alerts_cancelled = Counter(
            "lookout_alerts_cancelled", "Outbox entries given up.", registry=reg
        )
        self.flood_waits = Counter(
            "lookout_telegram_flood_waits", "429 answers from Telegram.", registry=reg
        )
        self.alert_latency = Histogram(
            "lookout_alert_latency_seconds",
            "From a post first seen to its alert sent.",
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.outbox_pending = Gauge(
            "lookout_outbox_pending", "Outbox entries waiting.", registry=reg
        )
        self.outbox_oldest = Gauge(
            "lookout_outbox_oldest_pending_seconds",
            "Age of the oldest due entry of an active chat.",
            registry=reg,
        )
        self.tick_age = Gauge(
            "lookout_last_tick_age_seconds",
            "Since this process's poll loop last finished a tick.",
            registry=reg,
        )
        for outcome in ("ok", "not_modified", "error"):
            self.polls.labels(outcome)
        # Monotonic; start-up counts as a tick, so a slow first tick is not a stall.
        self._last_tick = time.monotonic()

    def ticked(self) -> None:
        """The poll loop finished a tick."""
        self._last_tick = time.monotonic()

    def since_tick(self) -> float:
        seconds = time.monotonic() - self._last_tick
        self.tick_age.set(seconds)
        return seconds

    def polled(self, result: PollResult, seconds: float) -> None:
        self.polls.labels(poll_outcome(result)).inc()
        self.poll_seconds.observe(seconds)

    def recorded(self, new_posts: int, alerts: int) -> None:
        self.posts_stored.inc(new_posts)
        self.alerts_queued.inc(alerts)

    def sent(self, entries: int, queued_at: datetime | None, now: datetime) -> None:
        self.alerts_sent.inc(entries)
        if queued_at is not None:
            self.alert_latency.observe(max(0.0, (now - queued_at).total_seconds()))

    def exposition(self) -> bytes:
        """The registry in Prometheus's text format."""
        return generate_latest(self.registry)


def poll_outcome(result: PollResult) -> str:
    if result.error is not None:
        return "error"
    if result.not_modified:
        return "not_modified"
    return "ok"
