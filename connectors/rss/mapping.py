"""RSS/Atom entries (as feedparser reads them) to Mention records, and the poll cursor.

Kept apart from `connectors.rss` (which fetches) so the rules can be read on their own: which id
an entry is known by, how a Google Alerts redirect link is unwrapped, which time an entry gets,
what counts as a feed at all.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser

from connectors.base import CursorCodec
from connectors.errors import MalformedItem, PayloadError
from connectors.html_text import html_to_text
from connectors.http.redaction import strip_controls
from connectors.types import Mention

__all__ = ["CURSOR", "MAX_NATIVE_ID", "Cursor", "native_id", "parse_feed", "to_mention", "unwrap_link"]

MAX_NATIVE_ID = 200  # the store's native_id column; longer ids are hashed
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
_HTML = re.compile(r"<[A-Za-z/!][^>]*>|&(?:#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
_GOOGLE_HOST = re.compile(r"^(?:www\.)?google\.[a-z]{2,3}(?:\.[a-z]{2})?$")
_LANG = re.compile(r"^([A-Za-z]{2})(?:[-_][A-Za-z0-9]{1,8})*$")
_DATE_KEYS = ("published", "updated", "created")
_MAX_HEADER = 512  # an ETag or Last-Modified longer than this is not worth sending back


# -- the feed -------------------------------------------------------------------------------------


def parse_feed(
    body: bytes, *, content_type: str | None, location: str, where: str, source: str | None = None
) -> Any:
    """The feed parsed by feedparser, or PayloadError when the body is not a feed.

    The body goes in as a stream: given bytes, feedparser first tries them as a *file name*, so a
    hostile server answering "/etc/passwd" would make it read a local file. A body that yields no
    entries and is either not well-formed (bozo) or not recognised as RSS/Atom (an HTML error page,
    JSON, an empty body) is not a feed; a well-formed feed without entries is an empty result.
    """
    headers = {"content-location": location}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        why = f"not well-formed ({str(problem)[:80]})" if problem else "not RSS or Atom"
        preview = strip_controls(body[:640].decode("utf-8", errors="replace"))[:80]
        shown = strip_controls(content_type or "") or "none"
        raise PayloadError(
            f'{where}: the response is not a feed: {why}; content-type {shown}, starts with "{preview}"',
            source=source,
        )
    return parsed


# -- the cursor -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """The validators for a conditional GET and the newest entry time seen.

    `newest` counts only entries that carry a date: an undated entry gets the fetch time, and
    letting that move the cursor would make the next poll skip dated entries that appear late.
    """

    etag: str | None = None
    modified: str | None = None
    newest: datetime | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "etag": self.etag,
            "modified": self.modified,
            "newest": self.newest.isoformat() if self.newest else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> Cursor:
        if not isinstance(data, dict):
            raise ValueError("not an object")
        newest = data.get("newest")
        moment = datetime.fromisoformat(newest) if isinstance(newest, str) else None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return cls(_header(data.get("etag")), _header(data.get("modified")), moment)


# The cursor as JSON: {"etag": ..., "modified": ..., "newest": ISO time}.
CURSOR: CursorCodec[Cursor] = CursorCodec(Cursor.from_json, Cursor.to_json, empty=Cursor)


def _header(value: Any) -> str | None:
    """A validator fit to send back: text, one line, not absurdly long."""
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_HEADER:
        return None
    if any(ch in value for ch in "\r\n\0"):
        return None
    return value.strip()


def validators(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(ETag, Last-Modified) of a response, each None when absent or unusable."""
    return _header(headers.get("ETag")), _header(headers.get("Last-Modified"))


# -- entries --------------------------------------------------------------------------------------


def native_id(entry: Mapping[str, Any]) -> str:
    """The entry's id, else its link; hashed to a stable short form when too long for the store
    (the raw id stays in the audit payload)."""
    raw = entry.get("id")
    if not isinstance(raw, str) or not raw.strip():
        raw = entry.get("link")
    if not isinstance(raw, str) or not raw.strip():
        raise MalformedItem("no id and no link")
    raw = raw.strip()
    if len(raw) <= MAX_NATIVE_ID:
        return raw
    return "sha256:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()


def unwrap_link(link: Any) -> str | None:
    """The article a link leads to: Google Alerts wraps every link in a redirect
    (https://www.google.com/url?...&url=<real>); only http(s) links are kept (a feed is hostile
    text, and a `javascript:` URL must never reach a report)."""
    if not isinstance(link, str) or not link.strip():
        return None
    link = link.strip()
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    if _GOOGLE_HOST.match((parts.hostname or "").lower()) and parts.path == "/url":
        query = parse_qs(parts.query)
        for name in ("url", "q"):
            target = (query.get(name) or [""])[0]
            if urlsplit(target).scheme.lower() in ("http", "https"):
                return target
    return link


def _plain(detail: Any, value: Any) -> str:
    """A text construct as plain text: HTML (by its declared type, or by its looks, since RSS
    declares nothing) is turned into what a reader sees."""
    if not isinstance(value, str):
        return ""
    kind = detail.get("type") if isinstance(detail, Mapping) else None
    if kind in _HTML_TYPES or _HTML.search(value):
        return html_to_text(value)
    return " ".join(value.split())


def _body(entry: Mapping[str, Any]) -> str:
    contents = entry.get("content")
    for content in contents if isinstance(contents, list) else []:
        if isinstance(content, Mapping):
            text = _plain(content, content.get("value"))
            if text:
                return text
    return _plain(entry.get("summary_detail"), entry.get("summary"))


def entry_time(entry: Mapping[str, Any]) -> datetime | None:
    """When the entry was published (else updated, else created), in UTC; None when undated.
    feedparser has already read the many date formats of feeds into UTC `struct_time`s."""
    for key in _DATE_KEYS:
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (TypeError, ValueError, OverflowError, OSError):
                continue
    return None


def _lang(entry: Mapping[str, Any], feed_lang: Any) -> str | None:
    """The ISO 639-1 code the feed states for the entry (xml:lang or <language>), if any."""
    for key in ("content", "summary_detail", "title_detail"):
        detail = entry.get(key)
        detail = detail[0] if isinstance(detail, list) and detail else detail
        language = detail.get("language") if isinstance(detail, Mapping) else None
        if isinstance(language, str) and (match := _LANG.match(language.strip())):
            return match.group(1).lower()
    if isinstance(feed_lang, str) and (match := _LANG.match(feed_lang.strip())):
        return match.group(1).lower()
    return None


def _author(entry: Mapping[str, Any]) -> str | None:
    name = entry.get("author")
    if not isinstance(name, str) or not name.strip():
        detail = entry.get("author_detail")
        name = detail.get("name") if isinstance(detail, Mapping) else None
    return " ".join(name.split()) if isinstance(name, str) and name.strip() else None


def _views(entry: Mapping[str, Any]) -> int | None:
    """Views of a YouTube channel feed entry (media:statistics), the one reach number feeds give."""
    stats = entry.get("media_statistics")
    views = stats.get("views") if isinstance(stats, Mapping) else None
    return int(views) if isinstance(views, str) and views.isdigit() else None


def json_safe(value: Any) -> Any:
    """The entry as plain JSON for the audit payload; feedparser's parsed dates (struct_time) are
    left out, their text forms stay."""
    if isinstance(value, Mapping):
        return {
            str(k): json_safe(v)
            for k, v in value.items()
            if not str(k).endswith("_parsed") and not _is_struct_time(v)
        }
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _is_struct_time(value: Any) -> bool:
    return type(value).__name__ == "struct_time"


def to_mention(
    entry: Any, *, brand: str, source_name: str, fetched_at: datetime, feed_lang: Any = None
) -> Mention:
    """An entry as a Mention, or MalformedItem saying why.

    The text is the entry's content (else summary); an entry with only a title (many news feeds)
    gets the title as its text and no separate title, so the title is not scored twice. An entry
    without a date gets the fetch time.
    """
    if not isinstance(entry, Mapping):
        raise MalformedItem(f"entry is {type(entry).__name__}, not an object")
    ident = native_id(entry)
    title = _plain(entry.get("title_detail"), entry.get("title"))
    body = _body(entry)
    if not body and not title:
        raise MalformedItem("no title and no text")
    created = entry_time(entry)
    return Mention(
        source="rss",
        native_id=ident,
        brand=brand,
        text=body or title,
        created_at=created or fetched_at,
        source_name=source_name,
        url=unwrap_link(entry.get("link")),
        author=_author(entry),
        title=title if body and title else None,
        lang=_lang(entry, feed_lang),
        reach=_views(entry),
        raw=json_safe(entry),
    )
