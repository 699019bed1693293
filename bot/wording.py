"""Translated sentences with their values filled in as formatted text.

A catalog message carries its values as named `%(name)s` / `%(name)d` placeholders
(`bot.i18n`). `fill` splits the translated sentence at them and puts each value in
as an aiogram `utils.formatting` node, so user and source text is never parsed as
markup and a value can be bold or a link whatever the language's word order.
`clip` cuts text to a number of UTF-16 units, as Telegram counts them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aiogram.utils.formatting import Text, sizeof

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aiogram.utils.formatting import NodeType

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")
ELLIPSIS = "…"


def fill(template: str, values: Mapping[str, NodeType] | None = None) -> Text:
    """`template` with each placeholder replaced by its value (a string, number or node)."""
    values = values or {}
    parts: list[NodeType] = []
    last = 0
    for found in _PLACEHOLDER.finditer(template):
        parts.append(template[last : found.start()])
        if found.group() == "%%":
            parts.append("%")
        else:
            value = values[found.group(1)]
            parts.append(value if isinstance(value, Text) else str(value))
        last = found.end()
    parts.append(template[last:])
    return Text(*(part for part in parts if part != ""))


def clip(text: str, limit: int) -> str:
    """At most `limit` UTF-16 units, cut at a space where one is near, with an ellipsis."""
    if sizeof(text) <= limit:
        return text
    if limit <= 1:
        return ""
    # A cut through a surrogate pair drops its first half rather than break the text.
    cut = text.encode("utf-16-le")[: (limit - 1) * 2].decode("utf-16-le", errors="ignore")
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS
