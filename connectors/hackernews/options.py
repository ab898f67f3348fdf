"""Settings of a `type = "hackernews"` source, validated when settings.toml loads."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
