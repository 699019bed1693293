"""Small stand-ins for the gazetteer and topics, so rule tests do not depend on data files.

They satisfy ``rules.lexicon.GazetteerLike`` and ``TopicsLike`` with a few regions and
topics written out by hand, every inflected form listed as the real gazetteer would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rules.lexicon import Lexicon
from rules.morphology import Morphology

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True)
class StandInGuard:
    """Admits a capitalized form after one of ``after`` (like the real "context" guard)."""

    after: frozenset[str]
    needs_support: bool = False

    def admits(self, surface: str, previous: str | None, following: str = "") -> bool:
        del following  # the stand-in reads no lists
        return surface[:1].isupper() and previous is not None and previous.lower() in self.after


_CONTEXT = StandInGuard(frozenset({"в", "из", "у", "над", "г", "село", "селе"}))

_REGIONS: dict[str, tuple[set[str], set[str]]] = {
    # key: (names accepted by resolve(), surface forms for matching)
    "kursk": (
        {"kursk", "курская область", "курщина", "курская", "kursk oblast"},
        {
            "Курская область",
            "Курской области",
            "Курскую область",
            "Курской областью",
            "Курская обл",
            "Курской обл",
            "Курщина",
            "Курщины",
            "Курщине",
            "Курщину",
            "Курщиной",
            "Курськ",
            "Курська область",
            "Курської області",
            "Курщині",
            "Курську",
            "Курська",
            "Курськом",
            "Курск",
            "Курска",
            "Курске",
            "Курску",
            "Курском",
            "Суджа",
            "Суджи",
            "Судже",
            "Суджу",
            "Суджей",
            "Суджанский район",
            "Суджанском районе",
            "Рыльск",
            "Рыльска",
            "Рыльске",
            "Kursk",
            "Kursk Oblast",
            "Kursk region",
            "Sudzha",
            "Rylsk",
        },
    ),
    "belgorod": (
        {"belgorod", "белгородская область", "белгородчина"},
        {
            "Белгородская область",
            "Белгородской области",
            "Белгородскую область",
            "Белгород",
            "Белгорода",
            "Белгороде",
            "Белгороду",
            "Белгородом",
            "Шебекино",
            "Шебекинский округ",
            "Грайворон",
            "Грайвороне",
            "Грайворона",
            "Belgorod",
            "Shebekino",
            "Бєлгород",
            "Бєлгороді",
            "Бєлгородщина",
            "Бєлгородщині",
        },
    ),
    "kharkiv": (
        {"kharkiv", "харьковская область", "харківська область", "харківщина"},
        {
            "Харьковская область",
            "Харьковской области",
            "Харьков",
            "Харькова",
            "Харькове",
            "Харьковом",
            "Харківська область",
            "Харківської області",
            "Харківщина",
            "Харківщини",
            "Харківщині",
            "Харків",
            "Харкова",
            "Харкові",
            "Харковом",
            "Kharkiv",
            "Kharkiv Oblast",
            "Kharkiv region",
            "Kharkov",
            "Купянск",
            "Куп'янськ",
            "Куп'янську",
            "Kupiansk",
        },
    ),
}

_REGIONS["sumy"] = (
    {"sumy", "сумская область", "сумська область", "сумщина"},
    {
        "Сумская область",
        "Сумской области",
        "Сумы",
        "Сум",
        "Сумах",
        "Сумщина",
        "Сумщині",
        "Сумщину",
        "Суми",
        "Сумська область",
        "Сумської області",
        "Sumy",
        "Sumy Oblast",
        "Шостка",
        "Шостці",
        "Шостки",
        "Shostka",
    },
)
_REGIONS["moscow"] = ({"moscow", "москва"}, {"Москва", "Москвы", "Москве", "Москву", "Moscow"})
_REGIONS["moscow-oblast"] = (
    {"moscow-oblast", "московская область", "подмосковье"},
    {"Московская область", "Московской области", "Подмосковье", "Moscow Oblast", "Moscow region"},
)
_REGIONS["kyiv-oblast"] = ({"kyiv-oblast"}, {"Белая Церковь", "Белой Церкви", "Біла Церква"})
_GUARDED: dict[str, dict[str, StandInGuard]] = {
    "kursk": {"Белая": _CONTEXT, "Белой": _CONTEXT},
}

_TOPICS: dict[str, tuple[str, ...]] = {
    "drones": (
        "дрон",
        "беспилотник",
        "безпілотник",
        "БПЛА",
        "UAV",
        "drone",
        "Shahed",
        "шахед",
        "герань",
        '"ударный беспилотник"',
        "мопед*",
    ),
    "shelling": ("обстрел", "обстріл", "shelling", "артобстрел", "прилет", "приліт"),
}


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = previous[j - 1] + (char_a != char_b)
            current.append(min(previous[j] + 1, current[j - 1] + 1, cost))
        previous = current
    return previous[-1]


def _closest(value: str, candidates: list[str]) -> str | None:
    best = min(candidates, key=lambda candidate: _edit_distance(value.lower(), candidate))
    return best if _edit_distance(value.lower(), best) <= 2 else None


@dataclass(frozen=True)
class StandInGazetteer:
    regions: dict[str, tuple[set[str], set[str]]] = field(default_factory=lambda: _REGIONS)

    def resolve(self, value: str) -> str | None:
        value = value.casefold().replace("ё", "е")
        for key, (names, _) in self.regions.items():
            if value == key or value in names:
                return key
        return None

    def suggest(self, value: str) -> str | None:
        return _closest(value, list(self.regions))

    def closest(self, value: str, count: int = 3) -> tuple[str, ...]:
        ranked = sorted(self.regions, key=lambda key: (_edit_distance(value.lower(), key), key))
        return tuple(ranked[:count])

    def keys(self) -> tuple[str, ...]:
        return tuple(sorted(self.regions))

    def names(self, key: str) -> tuple[str, ...]:
        return tuple(sorted(self.regions[key][0]))

    def forms(self, key: str) -> frozenset[str]:
        return frozenset(self.regions[key][1])

    def guarded_forms(self, key: str) -> Mapping[str, StandInGuard]:
        return _GUARDED.get(key, {})

    def display_name(self, key: str, lang: str) -> str:  # noqa: ARG002  # one name for all
        return key.title()


@dataclass(frozen=True)
class StandInTopics:
    topics: dict[str, tuple[str, ...]] = field(default_factory=lambda: _TOPICS)

    def keys(self) -> tuple[str, ...]:
        return tuple(self.topics)

    def resolve(self, value: str) -> str | None:
        value = value.casefold()
        return value if value in self.topics else None

    def terms(self, key: str) -> tuple[str, ...]:
        return self.topics[key]

    def suggest(self, value: str) -> str | None:
        return _closest(value, list(self.topics))

    def display_name(self, key: str, lang: str) -> str:  # noqa: ARG002  # one name for all
        return key.title()


def stand_in_lexicon(morphology: Morphology | None = None) -> Lexicon:
    return Lexicon(
        morphology=morphology or Morphology.load(),
        gazetteer=StandInGazetteer(),
        topics=StandInTopics(),
    )
