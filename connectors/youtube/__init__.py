"""The `youtube` source: comment threads of chosen videos and channels (YouTube Data API v3,
`commentThreads.list`), newest first.

Requests go through the shared `HttpClient` (retries, 429, 5xx storms, redaction of the `key=`
query parameter). YouTube answers most of its own conditions with a 403 whose JSON body names a
`reason`, and the shared layer maps every 403 to AuthError. So a response hook on our session
keeps the body of the last error response, and `mapping.classify_error` turns the shared
layer's error into what the reason means here:

- `quotaExceeded` / `dailyLimitExceeded`: not an auth failure but a spent daily quota, which
  resets at midnight Pacific Time: RateLimited(retry_after=seconds until then), so the poller
  defers the source instead of counting a failure;
- `rateLimitExceeded` / `userRateLimitExceeded`: short-term throttling: RateLimited (next interval);
- `commentsDisabled`: the video simply has no comments to read: an empty result for that video;
- `videoNotFound` / `channelNotFound` / any 404: a ConnectorError naming the video or channel;
- `keyInvalid` (400) / `API_KEY_INVALID`: AuthError naming where the key comes from.

The cursor holds, per video and channel, the publishedAt of the newest comment stored; a later
poll reads newest first and stops at the page where it reaches comments older than that minus
the source's overlap window.
"""

from __future__ import annotations

from connectors.spec import SourceSpec
from connectors.types import Connector
from connectors.youtube.options import Options

__all__ = ["Options", "build"]


def build(spec: SourceSpec) -> Connector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery."""
    from connectors.youtube.connector import YouTubeConnector

    return YouTubeConnector(spec)
