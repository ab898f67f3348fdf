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

from connectors.appstore.options import PAGE_LIMIT, Options
from connectors.spec import SourceSpec
from connectors.types import Connector

__all__ = ["PAGE_LIMIT", "Options", "build"]


def build(spec: SourceSpec) -> Connector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery."""
    from connectors.appstore.connector import AppStoreConnector

    return AppStoreConnector(spec)
