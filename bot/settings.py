"""Operator settings, read from the environment or `.env` with the `LOOKOUT_` prefix.

The names and defaults are an interface operators rely on (see README.md); change them
only on purpose. Nothing is read at import time: the composition root builds one
`Settings` and passes what each part needs.
"""

from __future__ import annotations

import re
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

RESERVED_PATHS = frozenset({"/healthz", "/metrics"})
"""Paths of the HTTP server (`bot.status`) that the webhook's path may not take."""
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LOOKOUT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_web_url: str = "https://t.me"
    database_url: str = "sqlite+aiosqlite:///lookout.db"
    # NoDecode: operators write "1,2,3", not a JSON list.
    admins: Annotated[frozenset[int], NoDecode] = frozenset()
    poll_interval: float = Field(default=60.0, ge=1.0)
    allow_private_networks: bool = False
    # Named in the User-Agent, so a site's operator can find out who polls them.
    contact_url: str | None = None
    alert_window_hours: float = Field(default=6.0, gt=0)
    # A chat past this many alerts in an hour gets the rest as a digest every 10 minutes.
    digest_after: int = Field(default=60, ge=1)
    # /healthz and /metrics; off unless a port is given. Loopback unless told otherwise:
    # a container publishes it with LOOKOUT_HTTP_HOST=0.0.0.0.
    http_port: int | None = Field(default=None, ge=1, le=65535)
    http_host: str = "127.0.0.1"
    # Webhook mode (`bot.webhook`): Telegram POSTs updates to this URL, which a load
    # balancer passes to any instance's LOOKOUT_HTTP_PORT; the secret proves a request
    # comes from Telegram (its X-Telegram-Bot-Api-Secret-Token header).
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")]
            return frozenset(int(part) for part in parts if part)
        return value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # An .env line `LOOKOUT_WEBHOOK_URL=` means long polling, not an empty URL.
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _webhook_complete(self) -> Self:
        if self.webhook_url is None:
            return self
        parts = urlsplit(self.webhook_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("LOOKOUT_WEBHOOK_URL must be an https:// URL")
        if (parts.path or "/") in RESERVED_PATHS:
            raise ValueError(f"LOOKOUT_WEBHOOK_URL's path may not be {parts.path}: it is taken")
        if self.http_port is None:
            raise ValueError("LOOKOUT_WEBHOOK_URL needs LOOKOUT_HTTP_PORT: updates arrive there")
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not _SECRET_TOKEN.fullmatch(secret):
            raise ValueError(
                "LOOKOUT_WEBHOOK_URL needs LOOKOUT_WEBHOOK_SECRET: 1 to 256 characters "
                "of A-Z, a-z, 0-9, _ and - (Telegram's secret token)"
            )
        return self

    @field_validator("telegram_api_url", "telegram_web_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")
