"""Settings of a `type = "mastodon"` source, validated when settings.toml loads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.mastodon.mapping import HASHTAG


class Options(BaseModel):
    """Settings of a `type = "mastodon"` source (base_url = the instance, required)."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["hashtag", "search", "public"] = "hashtag"
    hashtags: list[str] = Field(
        default_factory=list, description="tags without '#'; empty = the brand query's one-word terms"
    )
    scope: Literal["all", "local", "remote"] = Field(
        "all", description="hashtag/public: posts of this instance's users, of other instances', or both"
    )
    limit: int = Field(40, ge=1, le=40, description="statuses per request (Mastodon's maximum is 40)")
    backfill_pages: int = Field(1, ge=1, le=20, description="pages per timeline read by the first poll")
    max_pages: int = Field(10, ge=1, le=100, description="pages per timeline a later poll may read")
    access_token_file: str | None = None

    @field_validator("hashtags")
    @classmethod
    def _hashtags(cls, tags: list[str]) -> list[str]:
        cleaned: list[str] = []
        for tag in tags:
            bare = tag.strip().removeprefix("#")
            if not HASHTAG.match(bare) or bare.isdigit():
                raise ValueError(f"{tag!r} is not a hashtag (letters, digits and '_', not only digits)")
            if bare.casefold() not in {c.casefold() for c in cleaned}:
                cleaned.append(bare)
        return cleaned
