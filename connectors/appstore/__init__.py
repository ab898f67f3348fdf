"""The `appstore` source: the customer reviews of one iOS app from Apple's public RSS feed (JSON).

``GET {base_url}/{country}/rss/customerreviews/page={n}/id={app_id}/sortby=mostrecent/json``, per
configured storefront (country), newest first, 50 reviews a page; Apple serves at most 10 pages
(500 reviews) per storefront, so a poll reads pages until it reaches the previous poll's cursor,
the feed's last page, or `max_pages`. No credentials: the feed is public.

This is a **scoped** source by nature (it returns reviews of the company's own app, which seldom
name the brand), so configure it with ``match = "scoped"``; with the default ``match = "query"``
the pipeline would drop every review that does not contain the brand's keywords.

Identity: a review's native id is ``"<country>:<review id>"`` (see `mapping.native_id`); the
bare review id and the country are kept in `extra`.

The cursor is JSON keyed by country, ``{"us": {"updated": ISO time | null, "id": "123"}}``: the
newest review time and the highest review id stored for that storefront. A later poll drops reviews
older than that time minus the source's overlap window (reviews that Apple lists late are read again
and deduplicated by the store) and stops paging after a page that ends in one; when the feed gives
no per-review times, review ids (which grow over time) decide instead. Storefronts are read one
after the other; a storefront's cursor moves only on its last page, so a poll cut short re-reads
rather than skips.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.spec import SourceSpec

if TYPE_CHECKING:
    from connectors.appstore.connector import AppStoreConnector

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


def build(spec: SourceSpec) -> AppStoreConnector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery."""
    from connectors.appstore.connector import AppStoreConnector

    return AppStoreConnector(spec)
