"""Region and topic names for alerts, from the rule lexicon, in the chat's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rules.lexicon import Lexicon


class LexiconTagNames:
    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon

    def region(self, key: str, language: str) -> str:
        try:
            return self._lexicon.gazetteer.display_name(key, language)
        except KeyError:  # a region dropped from the data since the alert was queued
            return key

    def topic(self, key: str, language: str) -> str:
        try:
            return self._lexicon.topics.display_name(key, language)
        except KeyError:
            return key
