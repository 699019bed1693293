"""What went wrong with a source, as a key and arguments that the bot words for a chat.

Contract: ``failure_of(error)`` maps every ``monitors.errors.MonitorError`` to a
``Failure``, and any other exception (a bug met by one source) to ``internal``;
``Failure.as_json()`` is how a source row and a notice keep it, and ``Failure.from_json``
reads it back (``None`` for rows written before failures had keys). Keys and their arguments:

    timeout       the source did not answer in time
    refused       we will not fetch that address (private network, scheme)
    http_status   the server answered an error status: ``status``
    too_large     the body passed our size cap
    unavailable   unreachable (DNS, connection, TLS) or no public preview
    throttled     the source asked us to slow down
    not_a_feed    the body is neither a feed nor a channel page
    bad_address   what was typed is not a feed address or a channel: ``address``
    internal      our own error while storing the source's posts

The English detail (``str(error)``) stays in ``Source.last_error`` for logs and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitors.errors import (
    MonitorError,
    SourceHTTPError,
    SourceParseError,
    SourceRefused,
    SourceTimeout,
    SourceTooLarge,
    Throttled,
)

KEYS = frozenset(
    {
        "timeout",
        "refused",
        "http_status",
        "too_large",
        "unavailable",
        "throttled",
        "not_a_feed",
        "bad_address",
        "internal",
    }
)


@dataclass(frozen=True, slots=True)
class Failure:
    key: str
    arguments: dict[str, str | int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, **self.arguments}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Failure | None:
        if not data or data.get("key") not in KEYS:
            return None
        arguments = {
            name: value
            for name, value in data.items()
            if name != "key" and isinstance(value, str | int)
        }
        return cls(data["key"], arguments)


def failure_of(error: Exception) -> Failure:
    if not isinstance(error, MonitorError):
        # A bug met by one source: its detail is in the log, not for a chat.
        return Failure("internal")
    if isinstance(error, SourceHTTPError):
        return Failure("http_status", {"status": error.status})
    simple: list[tuple[type[MonitorError], str]] = [
        (SourceTimeout, "timeout"),
        (SourceRefused, "refused"),
        (SourceTooLarge, "too_large"),
        (Throttled, "throttled"),
        (SourceParseError, "not_a_feed"),
    ]
    for kind, key in simple:
        if isinstance(error, kind):
            return Failure(key)
    # SourceUnavailable, and any kind added later: the source cannot be read as it is.
    return Failure("unavailable")
