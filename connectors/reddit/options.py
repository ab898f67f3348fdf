"""Settings of a `type = "reddit"` source, validated when settings.toml loads."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_SUBREDDIT = r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$"


class Options(BaseModel):
    """Settings of a `type = "reddit"` source."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["search", "subreddit_new", "subreddit_comments"] = "search"
    subreddits: list[str] = Field(
        default_factory=list, description="names without r/; empty = all of Reddit (search only)"
    )
    sort: Literal["new", "relevance", "top", "comments", "hot"] = Field(
        "new", description="search order; only 'new' lets a poll stop at the previous poll's cursor"
    )
    time_filter: Literal["hour", "day", "week", "month", "year", "all"] = "all"
    limit: int = Field(100, ge=1, le=100, description="items per request (Reddit's maximum is 100)")
    backfill_pages: int = Field(1, ge=1, le=10, description="pages read by the first poll")
    max_pages: int = Field(10, ge=1, le=10, description="pages a later poll may read to reach its cursor")
    client_id_file: str | None = None
    client_secret_file: str | None = None
    user_agent_file: str | None = None

    @field_validator("subreddits")
    @classmethod
    def _names(cls, names: list[str]) -> list[str]:
        cleaned = []
        for name in names:
            bare = name.strip().removeprefix("/").removeprefix("r/")
            if not re.match(_SUBREDDIT, bare):
                raise ValueError(f"{name!r} is not a subreddit name (letters, digits, '_', 2-21 long)")
            cleaned.append(bare)
        return cleaned

    @model_validator(mode="after")
    def _needs_subreddits(self) -> Options:
        if self.mode != "search" and not self.subreddits:
            raise ValueError(f"mode {self.mode!r} needs at least one entry in subreddits")
        return self
