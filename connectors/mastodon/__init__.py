"""The `mastodon` source: one instance's hashtag timelines, its full-text search, or its public
(live) timeline, newest first.

- `hashtag` (the default) reads `GET /api/v1/timelines/tag/{tag}`; several tags go in one request
  with `any[]` (Mastodon takes up to four extra tags, so more are split into groups of five).
  Hashtag timelines are public on most instances; no token needed.
- `search` reads `GET /api/v2/search?type=statuses`, one search per positive term of the brand
  query. Mastodon only searches statuses for a logged-in user, so this mode needs an access token.
- `public` reads `GET /api/v1/timelines/public` (local, remote or both): every public post the
  instance sees, narrowed by the pipeline's local re-check. For small or topical instances.

The cursor is the newest status id stored. Ids are snowflakes (milliseconds << 16), compared as
integers; a later poll asks for `since_id` = cursor moved back by the overlap window and pages to
older statuses with the `max_id` of the `Link: rel="next"` header (rebuilding the request itself:
Mastodon's link drops `any[]`). Search has no Link header and pages by `offset`; it has no since_id
either, so a poll stops at the first status at or below the floor (Mastodon 4.2+ sorts search
results newest first; on older versions, which rank by relevance, a poll may stop early).

An instance that does not show a timeline to this reader answers 422 (or 404). The connector then
reads `configuration.timelines_access` from `/api/v2/instance` to say why: "disabled" is a
ConnectorError naming the setting, "authenticated" without a token an AuthError naming the token's
variable.
"""

from __future__ import annotations

from connectors.mastodon.options import Options
from connectors.spec import SourceSpec
from connectors.types import Connector

__all__ = ["Options", "build"]


def build(spec: SourceSpec) -> Connector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery."""
    from connectors.mastodon.connector import MastodonConnector

    return MastodonConnector(spec)
