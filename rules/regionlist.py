"""Which region keys a person means: the pure core of `lookout regions` and /regions.

Contract: ``find_regions(gazetteer, query, lang)`` returns ``RegionRow(key, name)``s,
``name`` being the region's display name in ``lang`` ("en", "ru" or "uk"):

- no query (empty or blank): every region, sorted by key;
- otherwise the region the query resolves to (a key, or any name in any form:
  ``курская``, ``Курська``, ``kursk oblast``) first, then every other region whose key
  or one of whose names contains the query (``харк`` → kharkiv), sorted by key; when
  nothing contains it, the closest keys (``nowhere`` still lists a few).

A query longer than ``MAX_QUERY`` characters is cut to it before any work is done.
Nothing is read or written here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rules.gazetteer import lookup_key

if TYPE_CHECKING:
    from rules.lexicon import GazetteerLike

MAX_QUERY = 100
CLOSEST = 5


class RegionRow(NamedTuple):
    key: str
    name: str


def find_regions(gazetteer: GazetteerLike, query: str, lang: str) -> list[RegionRow]:
    query = query[:MAX_QUERY]
    wanted = lookup_key(query)
    every = gazetteer.keys()  # a GazetteerLike, not a dict: keys() is its listing
    if not wanted:
        keys = list(every)
    else:
        resolved = gazetteer.resolve(query)
        containing = [key for key in every if _contains(gazetteer, key, wanted)]
        keys = ([resolved] if resolved else []) + [k for k in containing if k != resolved]
        keys = keys or list(gazetteer.closest(query, CLOSEST))
    return [RegionRow(key, gazetteer.display_name(key, lang)) for key in keys]


def _contains(gazetteer: GazetteerLike, key: str, wanted: str) -> bool:
    return any(wanted in lookup_key(name) for name in (key, *gazetteer.names(key)))
