"""The `hackernews` source: stories and comments from Algolia's HN Search API, newest first.

`GET /api/v1/search_by_date` sorts by date and takes a time window as `numericFilters`, which is
what every design choice here rests on:

- Algolia ANDs the words of a query and has no OR, so each positive term of the brand query is its
  own search (`connectors.hackernews.mapping.algolia_searches`); the pipeline's local re-check does the rest.
- Algolia serves at most 1,000 hits per query (`nbPages * hitsPerPage <= 1000`, whatever `nbHits`
  says). When a window holds more, the connector slices it by time: after the last page it may
  read, it asks again with `created_at_i<=oldest_seen` from page 0. `<=` rather than `<` because
  other hits may share that second; those seen twice are deduplicated by the store.
- The cursor keeps, per search, the newest `created_at_i` read and at most one unread window. A
  later poll reads `created_at_i > top - overlap`; when it runs out of pages first, the rest of its
  window is remembered and read first by the next poll, so a long outage delays mentions but never
  drops them. It stops early at a page with nothing newer than the previous top (the rest lies in
  the overlap). The first poll of a search reads `backfill_pages` pages and no further back.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.spec import SourceSpec

if TYPE_CHECKING:
    from connectors.hackernews.connector import HackerNewsConnector

_TAG = re.compile(r"^[A-Za-z0-9_]+$")


class Options(BaseModel):
    """Settings of a `type = "hackernews"` source."""

    model_config = ConfigDict(extra="forbid")

    tags: list[str] = Field(
        default_factory=lambda: ["story", "comment"],
        description="Algolia tags, ORed: story, comment, poll, show_hn, ask_hn, front_page, author_NAME",
    )
    hits_per_page: int = Field(100, ge=1, le=1000, description="hits per request (Algolia's maximum: 1000)")
    backfill_pages: int = Field(1, ge=1, le=50, description="pages per search read by the first poll")
    max_pages: int = Field(20, ge=1, le=500, description="requests per search a later poll may make")

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: list[str]) -> list[str]:
        if not tags:
            raise ValueError("give at least one tag (e.g. story, comment)")
        for tag in tags:
            if not _TAG.match(tag):
                raise ValueError(f"{tag!r} is not an Algolia HN tag (letters, digits and '_')")
        return list(dict.fromkeys(tags))


def build(spec: SourceSpec) -> HackerNewsConnector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery."""
    from connectors.hackernews.connector import HackerNewsConnector

    return HackerNewsConnector(spec)
