"""The `x` source (tweepy, X API v2): recent search with the brand query, or the mentions of the
brand's own account (a `scoped` source).

tweepy builds the requests; they leave through `tweepy.Client.session`, on which our transport
adapter is mounted. That adapter is the one retry layer (tweepy's `wait_on_rate_limit` stays off,
so tweepy never sleeps), applies `base_url` (tweepy hard-codes https://api.twitter.com) and sets
the bearer token itself: tweepy logs its request headers at DEBUG level, so it is given a
placeholder and never holds the real token.

Reads: X's paid tiers cap the tweets read per month. Each Page carries `reads` (tweets the API
returned for it, malformed or not, since X bills them all); the pipeline adds them up in the store
and skips the source once `monthly_read_budget` is spent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from connectors.spec import SourceSpec

if TYPE_CHECKING:
    from connectors.x.connector import XConnector


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


def build(spec: SourceSpec) -> XConnector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery (and tweepy)."""
    from connectors.x.connector import XConnector

    return XConnector(spec)
