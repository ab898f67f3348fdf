"""YouTube Data API v3 comment threads to Mention records, the poll cursor, and the API's errors.

Kept apart from `connectors.youtube` (which pages through the API) so the rules can be read on
their own: what makes a comment thread malformed, how a comment's URL is built, which error
reasons mean "come back after the quota resets" and when that is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from connectors.base import CursorCodec
from connectors.errors import AuthError, ConnectorError, MalformedItem, PayloadError, RateLimited
from connectors.html_text import html_to_text
from connectors.http.redaction import Redactor, strip_controls
from connectors.types import Mention

__all__ = [
    "CURSOR",
    "QUOTA_REASONS",
    "THROTTLE_REASONS",
    "Cursor",
    "LastError",
    "classify_error",
    "error_reasons",
    "parse_list",
    "seconds_until_quota_reset",
    "to_mention",
]

SITE = "https://www.youtube.com"  # comment URLs point at YouTube itself, whatever base_url is
# The daily quota of a Google Cloud project resets at midnight Pacific Time (DST included).
QUOTA_TZ = ZoneInfo("America/Los_Angeles")
# 403 reasons that mean "the project's quota is spent": defer until it resets, not an auth failure.
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"})
# 403 reasons of short-term throttling: come back at the next interval.
THROTTLE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_KEY_REASONS = frozenset({"keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED"})
_NOT_FOUND_REASONS = frozenset({"videoNotFound", "channelNotFound", "notFound"})
_CLASSIFIED_STATUSES = frozenset({400, 403, 404})
_MAX_ERROR_BODY = 64 * 1024
# Tags or entities: textDisplay is HTML unless textFormat=plainText was honoured.
_HTML = re.compile(r"<[A-Za-z/!][^>]*>|&(?:#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z]+);")


# -- responses ------------------------------------------------------------------------------------


def parse_list(payload: Any, where: str, source: str | None = None) -> tuple[list[Any], str | None]:
    """(items, nextPageToken) of a commentThreads response, or PayloadError for anything else."""
    if not isinstance(payload, dict) or not (
        "items" in payload or payload.get("kind") == "youtube#commentThreadListResponse"
    ):
        shown = type(payload).__name__ if not isinstance(payload, dict) else f"keys {sorted(payload)[:5]}"
        raise PayloadError(
            f"{where}: expected a commentThreads list response (items), got {shown}", source=source
        )
    items = payload.get("items")
    items = [] if items is None else items
    if not isinstance(items, list):
        raise PayloadError(f"{where}: items must be a list, got {type(items).__name__}", source=source)
    token = payload.get("nextPageToken")
    return items, token if isinstance(token, str) and token else None


def error_reasons(body: bytes) -> tuple[set[str], str]:
    """The `reason`s (and the message) of a Google API error body; empty when it is not one.

    Two shapes exist: the classic `error.errors[].reason` and the newer `error.details[].reason`
    (`API_KEY_INVALID`), with `error.status` such as `PERMISSION_DENIED`.
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return set(), ""
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return set(), ""
    reasons: set[str] = set()
    for key in ("errors", "details"):
        entries = error.get(key)
        for entry in entries if isinstance(entries, list) else []:
            reason = entry.get("reason") if isinstance(entry, dict) else None
            if isinstance(reason, str) and reason:
                reasons.add(reason)
    message = error.get("message")
    return reasons, message if isinstance(message, str) else ""


def seconds_until_quota_reset(now: datetime) -> float:
    """Seconds from `now` to the next midnight in America/Los_Angeles, when YouTube quotas reset.

    The subtraction is made in UTC: subtracting two times of one zone would count wall-clock
    hours and be an hour off on the days daylight saving time starts or ends.
    """
    now_utc = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC)
    local = now_utc.astimezone(QUOTA_TZ)
    reset = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=QUOTA_TZ)
    return max(0.0, (reset.astimezone(UTC) - now_utc).total_seconds())


class LastError:
    """A `requests` response hook keeping the status and body of the last error response: the
    shared layer's exceptions carry a message, not the response, and YouTube's meaning is in the body."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.body = b""

    def clear(self) -> None:
        self.status, self.body = None, b""

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        if response.status_code >= 400:
            self.status = response.status_code
            self.body = response.content[:_MAX_ERROR_BODY]
        return response


def classify_error(
    exc: ConnectorError,
    status: int | None,
    body: bytes,
    *,
    what: str,
    source: str,
    now: datetime,
    redactor: Redactor,
) -> ConnectorError | None:
    """What the shared layer's error `exc` means for a YouTube source, from the status and body
    of the error response: None for "comments disabled" (an empty result), `exc` itself when
    YouTube's reason adds nothing (network, 5xx, 429, an unknown 4xx), else a new error."""
    if status not in _CLASSIFIED_STATUSES:
        return exc
    reasons, message = error_reasons(body)
    message = strip_controls(html_to_text(message))[:200]  # Google's messages carry links
    said = f" ({message})" if message else ""

    def fail(cls: type[ConnectorError], text: str, **kw: Any) -> ConnectorError:
        return cls(redactor.text(f"{source}: {text}"), source=source, **kw)

    if reasons & QUOTA_REASONS:
        wait = seconds_until_quota_reset(now)
        reset = (now + timedelta(seconds=wait)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        reason = ", ".join(sorted(reasons & QUOTA_REASONS))
        return fail(
            RateLimited,
            f"YouTube daily quota spent ({reason}){said}; deferred until it resets at midnight "
            f"Pacific Time ({reset})",
            retry_after=wait,
        )
    if reasons & THROTTLE_REASONS:
        reason = ", ".join(sorted(reasons & THROTTLE_REASONS))
        return fail(RateLimited, f"YouTube is throttling requests ({reason}){said}", retry_after=None)
    if "commentsDisabled" in reasons:
        return None
    if reasons & _KEY_REASONS or (status == 400 and "API key not valid" in message):
        shown = ", ".join(sorted(reasons)) or "keyInvalid"
        return fail(
            AuthError,
            f"YouTube refused the API key (HTTP {status}, {shown}){said}; check MONITOR_YOUTUBE_API_KEY "
            "or the api_key_file setting",
        )
    if status == 404 or reasons & _NOT_FOUND_REASONS:
        shown = ", ".join(sorted(reasons)) or "notFound"
        return fail(ConnectorError, f"{what} not found (HTTP {status}, {shown}){said}")
    return exc


# -- the cursor -----------------------------------------------------------------------------------


@dataclass
class Cursor:
    """The newest comment time stored, per video and channel ("video:<id>" / "channel:<id>").

    One source may watch several videos and channels; each is read newest first and stops at its
    own previous newest comment, so each keeps its own time.
    """

    newest: dict[str, datetime] = field(default_factory=dict)

    def to_json(self) -> dict[str, str]:
        return {k: v.isoformat() for k, v in self.newest.items()}

    @classmethod
    def from_json(cls, data: Any) -> Cursor:
        if not isinstance(data, dict):
            raise ValueError("not an object keyed by video and channel")
        return cls({str(k): _aware(datetime.fromisoformat(str(v))) for k, v in data.items()})


# The cursor as JSON: {"video:<id>": ISO time, "channel:<id>": ISO time}.
CURSOR: CursorCodec[Cursor] = CursorCodec(Cursor.from_json, Cursor.to_json, empty=Cursor)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# -- comment threads ------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    return "missing" if value is None else f"{type(value).__name__} {str(value)[:20]!r}"


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():  # the API documents counts as numbers; be lenient
        return int(value)
    return None


def _published(snippet: Mapping[str, Any]) -> datetime:
    raw = snippet.get("publishedAt")
    if not isinstance(raw, str):
        raise MalformedItem(f"publishedAt is {_shown(raw)}, not text")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedItem(f"publishedAt {raw[:40]!r} is not an ISO 8601 time") from None
    return _aware(moment)


def _text(snippet: Mapping[str, Any]) -> str:
    """textOriginal when the API gives it (only to the comment's author, in practice), else
    textDisplay, turned into plain text if it is HTML (it is unless textFormat=plainText held)."""
    original = snippet.get("textOriginal")
    if isinstance(original, str):
        return original.strip()
    display = snippet.get("textDisplay")
    if not isinstance(display, str):
        raise MalformedItem(f"textDisplay is {_shown(display)}, not text")
    return html_to_text(display) if _HTML.search(display) else display.strip()


def _id(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def to_mention(thread: Any, *, brand: str, source_name: str) -> Mention:
    """A commentThread resource (its top-level comment) as a Mention, or MalformedItem saying why."""
    if not isinstance(thread, dict):
        raise MalformedItem(f"item is {_shown(thread)}, not an object")
    snippet = thread.get("snippet")
    if not isinstance(snippet, dict):
        raise MalformedItem(f"snippet is {_shown(snippet)}, not an object")
    top = snippet.get("topLevelComment")
    if not isinstance(top, dict) or not isinstance(top.get("snippet"), dict):
        raise MalformedItem("no topLevelComment with a snippet")
    comment = top["snippet"]
    comment_id = _id(top.get("id")) or _id(thread.get("id"))
    if comment_id is None:
        raise MalformedItem("neither the thread nor its top-level comment has an id")
    video_id = _id(snippet.get("videoId")) or _id(comment.get("videoId"))
    channel_id = _id(snippet.get("channelId")) or _id(comment.get("channelId"))
    if video_id:
        url: str | None = f"{SITE}/watch?v={video_id}&lc={comment_id}"
    else:  # a comment on the channel itself, not on one of its videos
        url = f"{SITE}/channel/{channel_id}" if channel_id else None
    counts = [_count(comment.get("likeCount")), _count(snippet.get("totalReplyCount"))]
    known = [c for c in counts if c is not None]
    author = comment.get("authorDisplayName")
    return Mention(
        source="youtube",
        native_id=comment_id,
        brand=brand,
        text=_text(comment),
        created_at=_published(comment),
        source_name=source_name,
        url=url,
        author=author.strip() if isinstance(author, str) and author.strip() else None,
        engagement=sum(known) if known else None,
        raw=thread,
    )
