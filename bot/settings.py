"""Operator settings, read from the environment or `.env` with the `LOOKOUT_` prefix.

The names and defaults are an interface operators rely on (see README.md); change them
only on purpose. Nothing is read at import time: the composition root builds one
`Settings` and passes what each part needs.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")]
            return frozenset(int(part) for part in parts if part)
        return value

    @field_validator("telegram_api_url", "telegram_web_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")
