"""Time-zone names as people type them: IANA names, and the cities CLDR names zones by.

`closest_zones(typed)` returns the IANA names closest to what was typed, best first, at
most `MAX_SUGGESTIONS`: it compares the typed text with every zone's IANA name
(`europe/kyiv`), its city part (`Kyiv`), and its exemplar city in English, Russian and
Ukrainian as CLDR spells it (`Киев`, `Київ`, `Москва`), whatever the asker's language.
Names are compared folded: case, `ё`/`е`, and `_`, `-`, `’` against spaces do not count.
An alias (`Europe/Kiev`) is suggested as its canonical zone (`Europe/Kyiv`).

`city_name(zone, language)` is a zone's city in a language, to show a suggestion in
the asker's words and script.

The names come from the installed tzdata and Babel's CLDR data, looked up when first
needed (about half a second, once per process), never from a table of our own.
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

from babel.core import get_global
from babel.dates import get_timezone_location

if TYPE_CHECKING:
    from collections.abc import Mapping

LANGUAGES = ("en", "ru", "uk")
MAX_SUGGESTIONS = 3
# How alike a typed name and a known name must be to suggest it (difflib's ratio).
CUTOFF = 0.75
_SEPARATORS = re.compile(r"[\s_’'-]+")


def fold(name: str) -> str:
    """A name as it is compared: lower case, `ё` as `е`, separators as one space."""
    return _SEPARATORS.sub(" ", name.lower().replace("ё", "е")).strip()


def city_name(zone: str, language: str) -> str:
    """The zone's exemplar city in `language` ("en", "ru", "uk"), as CLDR has it."""
    return str(get_timezone_location(zone, locale=language, return_city=True))


def closest_zones(typed: str) -> tuple[str, ...]:
    """The IANA names closest to `typed`, best first; see the module docstring."""
    wanted = fold(typed)
    if not wanted:
        return ()
    names = _names()
    found: list[str] = []
    for name in difflib.get_close_matches(wanted, names, n=MAX_SUGGESTIONS, cutoff=CUTOFF):
        found.extend(names[name])
    return tuple(dict.fromkeys(found))[:MAX_SUGGESTIONS]


@cache
def _names() -> dict[str, tuple[str, ...]]:
    """Every folded name of every zone → the canonical zones it names."""
    zones = available_timezones()
    aliases: Mapping[str, str] = get_global("zone_aliases")
    table: dict[str, list[str]] = {}
    for zone in sorted(zones):
        canonical = aliases.get(zone, zone)
        canonical = canonical if canonical in zones else zone
        spellings = {zone, zone.rsplit("/", 1)[-1]}
        spellings.update(city_name(zone, language) for language in LANGUAGES)
        for spelling in spellings:
            named = table.setdefault(fold(spelling), [])
            if canonical not in named:
                named.append(canonical)
    return {name: tuple(zones_named) for name, zones_named in table.items()}
