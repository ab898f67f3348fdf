"""Settings of a `type = "googleplay"` source, validated when settings.toml loads."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

# reviews.list returns nothing older: a longer poll gap loses reviews (`monitor status` warns).
MAX_GAP = timedelta(days=7)
_PACKAGE = r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$"


class Options(BaseModel):
    """Settings of a `type = "googleplay"` source."""

    model_config = ConfigDict(extra="forbid")

    package_name: str = Field(pattern=_PACKAGE, description="the app's package name, e.g. com.acme.app")
    max_results: int = Field(100, ge=1, le=100, description="reviews per request")
    max_pages: int = Field(10, ge=1, le=100, description="requests a poll may make")
    translation_language: str | None = Field(
        None, pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$", description="e.g. en; Google translates"
    )
    service_account_file: str | None = Field(None, description="path of the service-account JSON key")
