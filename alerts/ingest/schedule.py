"""When a source is checked next: its interval with jitter, backoff after failures.

Jitter spreads sources added together so they are not all fetched in the same tick.
Failures back off exponentially up to an hour; a source's own hint (Retry-After,
Cache-Control max-age, RSS ttl) is honoured within bounds, so one feed cannot ask to
be left alone for a week.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

MAX_BACKOFF = timedelta(hours=1)
MAX_HINT = timedelta(minutes=30)
JITTER = 0.1


def next_success_check(now: datetime, interval: float, hint: float | None = None) -> datetime:
    seconds = interval
    if hint is not None:
        seconds = max(seconds, min(hint, MAX_HINT.total_seconds()))
    # Not security-relevant: only spreads load.
    seconds *= random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311
    return now + timedelta(seconds=seconds)


def next_failure_check(
    now: datetime, interval: float, failures: int, retry_after: float | None = None
) -> datetime:
    backoff = min(interval * 2 ** min(failures, 20), MAX_BACKOFF.total_seconds())
    if retry_after is not None:
        backoff = max(backoff, min(retry_after, MAX_BACKOFF.total_seconds()))
    return now + timedelta(seconds=backoff)
