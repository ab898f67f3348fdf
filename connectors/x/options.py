"""Settings of a `type = "x"` source, validated when settings.toml loads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Options(BaseModel):
    """Settings of a `type = "x"` source."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["search", "mentions"] = "search"
    user_id: str | None = Field(None, pattern=r"^[0-9]{1,20}$", description="account id, for mentions")
    max_results: int = Field(100, ge=10, le=100, description="tweets per request")
    include_retweets: bool = False
    backfill_pages: int = Field(1, ge=1, le=10, description="pages read by the first poll")
    max_pages: int = Field(10, ge=1, le=50, description="pages a later poll may read")
    monthly_read_budget: int | None = Field(None, ge=0, description="tweets per calendar month (UTC)")
    max_query_length: int = Field(512, ge=16, le=4096, description="512 self-serve, 4096 enterprise")
    bearer_token_file: str | None = None

    @model_validator(mode="after")
    def _mentions_need_user(self) -> Options:
        if self.mode == "mentions" and not self.user_id:
            raise ValueError("mode 'mentions' needs user_id (the numeric id of the brand's account)")
        return self
