"""Settings of a `type = "appstore"` source, validated when settings.toml loads."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

PAGE_LIMIT = 10  # Apple serves no page past the 10th (500 reviews per storefront)


_APP_ID = re.compile(r"^(?:id)?([0-9]{1,15})$")


_COUNTRY = re.compile(r"^[a-z]{2}$")


class Options(BaseModel):
    """Settings of a `type = "appstore"` source."""

    model_config = ConfigDict(extra="forbid")

    app_id: str = Field(description="the app's numeric App Store id (apps.apple.com/.../id<app_id>)")
    countries: list[str] = Field(
        default_factory=lambda: ["us"], description="storefronts, ISO 3166 two-letter codes"
    )
    max_pages: int = Field(PAGE_LIMIT, ge=1, le=PAGE_LIMIT, description="pages of 50 read per storefront")

    @field_validator("app_id", mode="before")
    @classmethod
    def _app_id(cls, value: Any) -> str:
        """Digits, also when TOML gives a number or the id is pasted as in the URL ("id1404176564")."""
        text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
        found = _APP_ID.match(text)
        if found is None:
            raise ValueError(f"expected the app's numeric id (e.g. 1404176564), got {value!r}")
        return found.group(1)

    @field_validator("countries")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip().lower() for v in values]
        for original, code in zip(values, cleaned, strict=True):
            if not _COUNTRY.match(code):
                raise ValueError(f"{original!r} is not a two-letter country code (us, gb, de, ...)")
        if not cleaned:
            raise ValueError("give at least one country")
        return list(dict.fromkeys(cleaned))
