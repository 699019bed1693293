"""What /search matches: a text's words as lemmas, normalized exactly as rules match words.

Contract: `lemma_document(text, morphology)` lists, once each and in order, every lemma
of every word of `text` (`rules.text.normalize_word`, then `Morphology.lemmas`, acronyms
unguessed as the matcher does) plus the word itself, so `беспилотники` is stored as
`беспилотники беспилотник` and `Рыльске` as `рыльске рыльск`. `lemma_query(query,
morphology)` gives, per query word (at most `MAX_QUERY_WORDS`), the same set for that
word: a post matches when every query word shares a lemma with some word of it. Both
sides are made of `\\w` runs only (apostrophes dropped), so they are safe as SQLite FTS5
and PostgreSQL tsquery tokens. Stored in `posts.lemmas` (migration 0005 indexes it).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rules.text import is_acronym, normalize_word, raw_words

if TYPE_CHECKING:
    from rules.morphology import Morphology

MAX_QUERY_WORDS = 10
_TOKEN = re.compile(r"\w+")


def _forms(raw: str, morphology: Morphology) -> list[list[str]]:
    """Per normalized word of one raw word: the word and its lemmas, as index tokens."""
    acronym = is_acronym(raw)
    found = []
    for word in normalize_word(raw):
        alternatives = {word, *morphology.lemmas(word, acronym=acronym)}
        # Without apostrophes (п'ять → пять): FTS tokenizers split words at them.
        tokens = sorted(
            {token for form in alternatives for token in _TOKEN.findall(form.replace("'", ""))}
        )
        if tokens:
            found.append(tokens)
    return found


def lemma_document(text: str, morphology: Morphology) -> str:
    seen: dict[str, None] = {}
    for raw in raw_words(text):
        for tokens in _forms(raw, morphology):
            seen.update(dict.fromkeys(tokens))
    return " ".join(seen)


def lemma_query(query: str, morphology: Morphology) -> list[list[str]]:
    words = [tokens for raw in raw_words(query) for tokens in _forms(raw, morphology)]
    return words[:MAX_QUERY_WORDS]
