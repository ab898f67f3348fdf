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

from connectors.hackernews.options import Options
from connectors.spec import SourceSpec
from connectors.types import Connector

__all__ = ["Options", "build"]


def build(spec: SourceSpec) -> Connector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery."""
    from connectors.hackernews.connector import HackerNewsConnector

    return HackerNewsConnector(spec)
