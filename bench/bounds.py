"""Hostile input against the parsers' bounds: time and memory per document.

    .venv/bin/python -m bench.bounds

The cases of issue 10: deeply nested and very many HTML elements in one item, and a
channel page of 100,000 minimal messages. Each is parsed once as the poll would;
prints seconds and the growth of peak resident memory. Figures only.
"""

from __future__ import annotations

import resource
import time
from typing import TYPE_CHECKING

from monitors.channelpage import parse_channel_page
from monitors.errors import MonitorError
from monitors.plaintext import html_to_text

if TYPE_CHECKING:
    from collections.abc import Callable


def _peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _page(messages: int) -> str:
    blocks = "".join(
        f'<div class="tgme_widget_message" data-post="flood/{n}">'
        f'<div class="tgme_widget_message_text">m{n}</div></div>'
        for n in range(1, messages + 1)
    )
    return f'<html><body><section class="tgme_channel_history">{blocks}</section></body></html>'


def _measure(name: str, size: int, work: Callable[[], object]) -> None:
    before = _peak_kib()
    started = time.perf_counter()
    try:
        work()
    except MonitorError as exc:
        name += f" ({type(exc).__name__})"
    elapsed = time.perf_counter() - started
    grown = (_peak_kib() - before) // 1024
    print(f"{name:<44} {size / 2**20:7.1f} MiB {elapsed:8.3f} s {grown:6d} MiB peak growth")


def main() -> None:
    nested_small = "<div>" * 40_000 + "x" + "</div>" * 40_000
    nested_big = "<div>" * 1_500_000
    flat = "<p>x</p>" * 2_000_000
    page = _page(100_000)
    _measure(
        "40,000 nested <div> in one item", len(nested_small), lambda: html_to_text(nested_small)
    )
    _measure("1.5 M nested <div> in one item", len(nested_big), lambda: html_to_text(nested_big))
    _measure("2 M <p> in one item", len(flat), lambda: html_to_text(flat))
    _measure(
        "channel page, 100,000 messages",
        len(page),
        lambda: parse_channel_page(page, name="flood", base_url="https://t.me"),
    )


if __name__ == "__main__":
    main()
