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

from connectors.spec import SourceSpec
from connectors.types import Connector
from connectors.x.options import Options

__all__ = ["Options", "build"]


def build(spec: SourceSpec) -> Connector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery (and tweepy)."""
    from connectors.x.connector import XConnector

    return XConnector(spec)
