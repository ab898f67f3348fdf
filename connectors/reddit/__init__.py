"""The `reddit` source (praw): search across Reddit or within subreddits, and the new submissions
or new comments of chosen subreddits.

praw does the OAuth (application-only, client-credentials grant) and the request building; it sends
through a session whose transport adapter is our one retry layer (`connectors.http.transport`). praw's
objects are not used: `Reddit.request` returns the listing JSON as Reddit sent it, which we keep as
the audit payload, page through ourselves (page boundaries are where cursors are committed) and
stop reading at the previous poll's cursor.

prawcore's own retrying and sleeping is switched off (see `connectors.reddit.client`), so only
the source's HttpPolicy and its time budget hold.
"""

from __future__ import annotations

from connectors.reddit.options import Options
from connectors.spec import SourceSpec
from connectors.types import Connector

__all__ = ["Options", "build"]


def build(spec: SourceSpec) -> Connector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery (and praw)."""
    from connectors.reddit.connector import RedditConnector

    return RedditConnector(spec)
