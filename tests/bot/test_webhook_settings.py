"""Webhook settings an operator can get wrong are refused before anything starts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings

URL = "https://bot.example.org/telegram/updates"


def settings(**values: object) -> Settings:
    # Only these values: no environment of the machine running the tests, no .env file.
    return Settings.model_validate(values)


def test_a_complete_webhook_setting_is_taken() -> None:
    taken = settings(webhook_url=URL, webhook_secret="abc_DEF-123", http_port=8080)
    assert taken.webhook_url == URL


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"webhook_url": URL, "http_port": 8080}, "LOOKOUT_WEBHOOK_SECRET"),
        ({"webhook_url": URL, "http_port": 8080, "webhook_secret": "has space"}, "SECRET"),
        ({"webhook_url": URL, "http_port": 8080, "webhook_secret": "x" * 257}, "SECRET"),
        ({"webhook_url": URL, "webhook_secret": "abc"}, "LOOKOUT_HTTP_PORT"),
        ({"webhook_url": "bot.example.org/hook", "http_port": 80, "webhook_secret": "a"}, "https"),
        (
            {
                "webhook_url": "https://bot.example.org/healthz",
                "http_port": 80,
                "webhook_secret": "a",
            },
            "taken",
        ),
    ],
)
def test_an_incomplete_webhook_setting_is_refused(values: dict[str, object], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        settings(**values)


def test_an_empty_webhook_url_means_long_polling() -> None:
    assert settings(webhook_url="").webhook_url is None
