"""The `googleplay` source: reviews of the company's own Android app through the official Google Play
Developer API (`reviews.list`), authenticated as a service account.

``GET {base_url}/androidpublisher/v3/applications/{package_name}/reviews`` with ``maxResults``,
``token`` (from ``tokenPagination.nextPageToken``) and optionally ``translationLanguage``; newest
(most recently created or edited) first. Authentication: `connectors.googleplay.auth` (a JWT signed
with the key file, exchanged at the key's token_uri; `base_url` moves the token endpoint too).

Limits to know when configuring it:

- The API returns only reviews created or edited **in the last 7 days** (`MAX_GAP`). A poll gap
  longer than that loses reviews for good, so keep `interval` well under it (the global default of
  15 minutes is fine; "1h" to "1d" suits most apps); `monitor status` warns when the last
  successful poll is older than `MAX_GAP`.
- Only reviews of the production track that have a text. The quota is 200 GET requests an hour
  per app, so `max_pages` x polls per hour (x brands polled through the source) must stay below it.
- The service account must be given access to the app in Play Console (Users and permissions) with
  the "Reply to reviews" permission; a refusal (401/403) is an AuthError saying so.

A scoped source: set ``match = "scoped"``. The cursor (JSON: newest ``lastModified`` time stored
and its review id) moves only on a poll's last page; later polls drop reviews older than it minus
the overlap window and stop paging there.
"""

from __future__ import annotations

from connectors.googleplay.options import MAX_GAP, Options
from connectors.spec import SourceSpec
from connectors.types import Connector

__all__ = ["MAX_GAP", "Options", "build"]


def build(spec: SourceSpec) -> Connector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery (and jwt and cryptography)."""
    from connectors.googleplay.connector import GooglePlayConnector

    return GooglePlayConnector(spec)
