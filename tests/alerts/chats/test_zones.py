"""Zone names as people type them: IANA names, and city names in English, Russian, Ukrainian."""

from __future__ import annotations

import pytest

from alerts.chats.preferences import BadPreference, parse_timezone
from alerts.chats.zones import city_name, closest_zones


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Киев", "Europe/Kyiv"),
        ("Київ", "Europe/Kyiv"),
        ("киев", "Europe/Kyiv"),
        ("Кеев", "Europe/Kyiv"),  # a typo
        ("Kyiv", "Europe/Kyiv"),
        ("Kiev", "Europe/Kyiv"),  # the old spelling names the zone, never its alias
        ("Москва", "Europe/Moscow"),
        ("нью йорк", "America/New_York"),
        ("Мінськ", "Europe/Minsk"),
        ("europe/kiyv", "Europe/Kyiv"),
    ],
)
def test_a_city_in_any_of_our_languages_suggests_its_zone(typed, zone) -> None:
    suggestions = closest_zones(typed)
    assert suggestions[0] == zone
    assert "Europe/Kiev" not in suggestions


def test_a_name_like_no_zone_suggests_nothing() -> None:
    assert closest_zones("Mars/Olympus") == ()
    assert closest_zones("   ") == ()


def test_a_refused_name_carries_the_suggestions() -> None:
    with pytest.raises(BadPreference) as refused:
        parse_timezone("Москва")
    assert refused.value.arguments == {"zone": "Москва", "suggestions": ("Europe/Moscow",)}


def test_the_city_is_named_in_the_askers_language() -> None:
    names = [city_name("Europe/Kyiv", language) for language in ("en", "ru", "uk")]
    assert names == ["Kyiv", "Киев", "Київ"]
