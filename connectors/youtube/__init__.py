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

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connectors.spec import SourceSpec

if TYPE_CHECKING:
    from connectors.youtube.connector import YouTubeConnector

_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")


class Options(BaseModel):
    """Settings of a `type = "youtube"` source."""

    model_config = ConfigDict(extra="forbid")

    video_ids: list[str] = Field(default_factory=list, description="11-character video ids")
    channel_ids: list[str] = Field(
        default_factory=list, description="UC... channel ids: comments on all the channel's videos"
    )
    max_results: int = Field(100, ge=1, le=100, description="threads per request (the API's maximum is 100)")
    max_pages: int = Field(10, ge=1, le=100, description="pages per video or channel and poll")
    api_key_file: str | None = None

    @field_validator("video_ids")
    @classmethod
    def _videos(cls, ids: list[str]) -> list[str]:
        return _checked(ids, _VIDEO_ID, "a video id (11 letters, digits, '-' or '_')")

    @field_validator("channel_ids")
    @classmethod
    def _channels(cls, ids: list[str]) -> list[str]:
        return _checked(ids, _CHANNEL_ID, "a channel id ('UC' and 22 letters, digits, '-' or '_')")

    @model_validator(mode="after")
    def _needs_a_target(self) -> Options:
        if not self.video_ids and not self.channel_ids:
            raise ValueError("give at least one entry in video_ids or channel_ids")
        return self


def _checked(ids: list[str], pattern: re.Pattern[str], what: str) -> list[str]:
    cleaned = []
    for raw in ids:
        value = raw.strip()
        if not pattern.match(value):
            raise ValueError(f"{raw!r} is not {what}")
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def build(spec: SourceSpec) -> YouTubeConnector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery."""
    from connectors.youtube.connector import YouTubeConnector

    return YouTubeConnector(spec)
