"""Every way a source can fail, as seen from above `monitors`.

Nothing outside this package ever sees an httpx, zlib, XML or JSON exception:
the fetcher and the parsers translate them here, at the boundary, keeping the
original as ``__cause__`` (``raise SourceTimeout(...) from exc``).

    MonitorError                  any expected failure of one source
    ├── SourceTimeout             connect took over 10 s or the exchange over 30 s
    ├── SourceRefused             we will not fetch it: scheme, or the address is
    │                             private/loopback/... (``.reason`` says which)
    ├── SourceHTTPError           the server answered 4xx/5xx (``.status``)
    ├── SourceTooLarge            the body, once decompressed, passed the cap
    ├── SourceUnavailable         the source cannot be reached or read as such:
    │                             DNS, connection, TLS, too many redirects, a
    │                             channel without a public preview (``.reason``)
    ├── Throttled                 429/503 or a throttled preview page;
    │                             ``.retry_after`` seconds when the source said
    └── SourceParseError          the body is not a feed or a channel page

``str(error)`` is a sentence a person can read; the poll loop stores it and
shows it to admins.
"""

from __future__ import annotations


class MonitorError(Exception):
    """An expected failure of one source; see the module docstring for the tree."""


class SourceTimeout(MonitorError):
    """The source did not answer within the connect or total deadline."""


class SourceRefused(MonitorError):
    """We refuse to fetch this URL (scheme, or an address we must not reach)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SourceHTTPError(MonitorError):
    """The server answered with an error status other than throttling."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message or f"the server answered HTTP {status}")
        self.status = status


class SourceTooLarge(MonitorError):
    """The decompressed body exceeded the fetcher's cap."""


class SourceUnavailable(MonitorError):
    """The source cannot be reached or has no readable public form."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Throttled(MonitorError):
    """The source asked us to slow down; retry no sooner than ``retry_after`` s."""

    def __init__(self, retry_after: float | None, message: str | None = None) -> None:
        if message is None:
            message = "the source asked us to slow down"
            if retry_after is not None:
                message += f" for {retry_after:g} s"
        super().__init__(message)
        self.retry_after = retry_after


class SourceParseError(MonitorError):
    """The body could not be read as a feed or a channel page."""
