"""The operator's sources file, as `lookout sources import FILE` reads it.

A YAML mapping with one key, ``sources``: a list whose items are either the source as
`lookout sources add` takes it (a feed URL or ``@channel``) or a mapping with that text
under ``source`` and any notes beside it (``name``, ``region``, ``note``: for the reader,
ignored here)::

    sources:
      - source: "@vvgladkov"
        name: Belgorod region governor
      - https://www.pravda.com.ua/rss/

Anything else raises `SourceFileError`, whose message names the item at fault.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from pathlib import Path

MAX_FILE_BYTES = 1_000_000
MAX_SOURCES = 10_000
MAX_SOURCE_LENGTH = 2_048


class SourceFileError(ValueError):
    """The file is not a sources file; the message says where and why."""


def read_sources_file(path: Path) -> list[str]:
    """The sources the file lists, as typed, in file order."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SourceFileError(f"cannot read {path}: {exc.strerror}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise SourceFileError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
    try:
        document = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise SourceFileError(f"{path} is not YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise SourceFileError(f'{path} needs a "sources:" list')
    items: list[object] = document["sources"]
    if len(items) > MAX_SOURCES:
        raise SourceFileError(f"{path} lists more than {MAX_SOURCES} sources")
    return [_source_text(item, number) for number, item in enumerate(items, start=1)]


def _source_text(item: object, number: int) -> str:
    text = item.get("source") if isinstance(item, dict) else item
    if not isinstance(text, str) or not text.strip():
        raise SourceFileError(f'source {number}: give a URL or @channel, alone or under "source:"')
    if len(text) > MAX_SOURCE_LENGTH:
        raise SourceFileError(f"source {number} is longer than {MAX_SOURCE_LENGTH} characters")
    return text.strip()
