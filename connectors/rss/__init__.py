"""The `rss` source: any RSS or Atom feed (Google Alerts, Talkwalker Alerts, news sites, blogs).

The feed is fetched by the shared `HttpClient` (retries, 429/5xx, timeouts, redaction) and only
then handed to feedparser as bytes: feedparser's own fetching would be a second HTTP stack with
its own retries, no time budget and no redaction. The fetch is a conditional GET: the ETag and
Last-Modified of the last response are kept in the cursor and sent back as If-None-Match /
If-Modified-Since, so an unchanged feed costs the publisher one 304 and us nothing.

Feeds do not page: one poll is one page. Entries older than the newest entry time of the last
poll minus the overlap window are skipped (feeds keep old entries for days); what is inside the
window comes back and the store's identity key drops it.

`base_url`, when set, replaces the scheme and host of `url` (a proxy, a mirror, the test server);
the feed's path and query are kept and put under base_url's own path, if it has one.

A Google Alerts feed only holds results of the alert's own query: configure it with
`match = "scoped"` and `brands = ["<the alert's brand>"]` so the keyword re-check is skipped.
"""

from __future__ import annotations

from connectors.rss.options import Options
from connectors.spec import SourceSpec
from connectors.types import Connector

__all__ = ["Options", "build"]


def build(spec: SourceSpec) -> Connector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery (and feedparser)."""
    from connectors.rss.connector import RssConnector

    return RssConnector(spec)
