"""Settings of a `type = "rss"` source, validated when settings.toml loads."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.http.redaction import redact_url


class Options(BaseModel):
    """Settings of a `type = "rss"` source."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="the feed's URL; base_url, if set, replaces its scheme and host")
    max_entries: int = Field(200, ge=1, le=10_000, description="newest entries read per poll")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        try:
            parts = urlsplit(value)
        except ValueError:
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http(s) URL, got {redact_url(value)!r}")
        return value
