"""Apple's customer-reviews feed (the JSON flavour of its iTunes RSS) to Mention records.

Kept apart from `connectors.appstore` (paging and cursors) so the feed's quirks can be read in one
place:

- every value is wrapped: ``{"label": "..."}``, attributes under ``"attributes"``;
- ``feed.entry`` is a list, a single object when the page holds one review, and absent when the
  feed is empty;
- older feeds put the app's own metadata (``im:name``, ``im:image``, no ``im:rating``) first on page 1;
- older captures (like the 2020 recording in ../shared) carry no per-review ``updated`` time; the
  feed's own ``updated`` (when Apple built the page, never earlier than the review) stands in for it
  and the mention says so in ``extra["time_estimated"]``. Review ids grow over time, so the cursor
  falls back to them when times are estimates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.base import CursorCodec
from connectors.errors import MalformedItem, PayloadError
from connectors.html_text import html_to_text
from connectors.types import Mention

__all__ = [
    "CURSOR",
    "Feed",
    "Mark",
    "Review",
    "app_url",
    "is_app_metadata",
    "native_id",
    "parse_feed",
    "parse_time",
    "to_review",
]

APP_PAGE = "https://apps.apple.com"
_DIGITS = re.compile(r"^[0-9]{1,20}$")
_PAGE_IN_URL = re.compile(r"/page=([0-9]{1,3})/")


@dataclass(frozen=True, slots=True)
class Feed:
    """One page of the feed: its entries, when Apple built it, and its last page number."""

    entries: list[Any]
    updated: datetime | None
    last_page: int | None


@dataclass(frozen=True, slots=True)
class Review:
    """A review entry turned into a mention, with what paging and cursors need."""

    mention: Mention
    review_id: int
    updated: datetime | None  # the review's own time; None when only the feed's time was known


def _label(node: Any) -> Any:
    return node.get("label") if isinstance(node, Mapping) else None


def _text_label(node: Any) -> str | None:
    value = _label(node)
    return value if isinstance(value, str) else None


def _shown(value: Any) -> str:
    return "missing" if value is None else f"{type(value).__name__} {str(value)[:20]!r}"


def parse_time(text: Any) -> datetime | None:
    """An ISO 8601 time with offset (Apple writes ``2020-08-12T04:06:20-07:00``) in UTC, or None."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _last_page(links: Any) -> int | None:
    """The page number of the feed's ``rel="last"`` link, when it has one."""
    for link in links if isinstance(links, list) else [links]:
        attributes = link.get("attributes") if isinstance(link, Mapping) else None
        if isinstance(attributes, Mapping) and attributes.get("rel") == "last":
            found = _PAGE_IN_URL.search(str(attributes.get("href", "")))
            return int(found.group(1)) if found else None
    return None


def parse_feed(payload: Any, where: str) -> Feed:
    """The entries of one feed page (a lone entry as a list of one, none when absent), or
    PayloadError for anything that is not the customer-reviews feed."""
    feed = payload.get("feed") if isinstance(payload, Mapping) else None
    if not isinstance(feed, Mapping):
        shown = f"keys {sorted(payload)[:5]}" if isinstance(payload, Mapping) else type(payload).__name__
        raise PayloadError(f"{where}: expected Apple's customer-reviews feed ({{'feed': ...}}), got {shown}")
    entry = feed.get("entry")
    if entry is None:
        entries: list[Any] = []
    elif isinstance(entry, Mapping):
        entries = [entry]
    elif isinstance(entry, list):
        entries = entry
    else:
        raise PayloadError(f"{where}: feed.entry is {type(entry).__name__}, not a list or an object")
    return Feed(entries, parse_time(_label(feed.get("updated"))), _last_page(feed.get("link")))


def is_app_metadata(entry: Any, *, first: bool = False) -> bool:
    """Whether an entry describes the app rather than reviewing it: older feeds put the app's own
    entry (``im:name``, no ``im:rating``) first on page 1; the `first` entry needs no ``im:name``."""
    return isinstance(entry, Mapping) and "im:rating" not in entry and (first or "im:name" in entry)


def entry_id(entry: Any) -> str | None:
    """The review id of an entry as written, for log lines."""
    value = _label(entry.get("id")) if isinstance(entry, Mapping) else None
    return value if isinstance(value, str) else None


def app_url(country: str, app_id: str) -> str:
    """The app's page in a storefront, where its reviews are shown (Apple has no per-review URL)."""
    return f"{APP_PAGE}/{country}/app/id{app_id}?see-all=reviews"


def native_id(country: str, review_id: int | str) -> str:
    """``"<country>:<review id>"``: a review belongs to one storefront, and the prefix keeps ids
    unique even if two storefronts ever numbered reviews alike."""
    return f"{country}:{review_id}"


def _rating(entry: Mapping[str, Any]) -> int:
    raw = _label(entry.get("im:rating"))
    text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not text.isdigit() or not 1 <= int(text) <= 5:
        raise MalformedItem(f"im:rating is {_shown(raw)}, not a star rating 1-5")
    return int(text)


def _count(entry: Mapping[str, Any], key: str) -> int | None:
    raw = _label(entry.get(key))
    text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    return int(text) if text.isdigit() else None


def _content(entry: Mapping[str, Any]) -> str:
    node = entry.get("content")
    text = _text_label(node)
    if text is None:
        raise MalformedItem(
            f"content is {_shown(_label(node) if isinstance(node, Mapping) else node)}, not text"
        )
    attributes = node.get("attributes") if isinstance(node, Mapping) else None
    kind = attributes.get("type") if isinstance(attributes, Mapping) else None
    return html_to_text(text) if kind == "html" else text


def to_review(entry: Any, feed: Feed, *, country: str, app_id: str, brand: str, source_name: str) -> Review:
    """A review entry as a Review, or MalformedItem saying why."""
    if not isinstance(entry, Mapping):
        raise MalformedItem(f"entry is {_shown(entry)}, not an object")
    raw_id = _label(entry.get("id"))
    if not isinstance(raw_id, str) or not _DIGITS.match(raw_id.strip()):
        raise MalformedItem(f"id is {_shown(raw_id)}, not a string of digits")
    review_id = int(raw_id)
    rating = _rating(entry)
    text = _content(entry)
    raw_updated = _label(entry.get("updated"))
    updated = parse_time(raw_updated)
    if raw_updated is not None and updated is None:
        raise MalformedItem(f"updated {_shown(raw_updated)} is not an ISO 8601 time")
    created = updated or feed.updated
    if created is None:
        raise MalformedItem("no updated time, and the feed has none either")
    author = entry.get("author")
    name = _text_label(author.get("name")) if isinstance(author, Mapping) else None
    title = _text_label(entry.get("title"))
    version = _text_label(entry.get("im:version"))
    extra: dict[str, Any] = {"country": country, "review_id": str(review_id)}
    if version:
        extra["app_version"] = version
    if updated is None:
        extra["time_estimated"] = True
    mention = Mention(
        source="appstore",
        native_id=native_id(country, review_id),
        brand=brand,
        text=text,
        created_at=created,
        source_name=source_name,
        url=app_url(country, app_id),
        author=name or None,
        title=title or None,
        rating=rating,
        engagement=_count(entry, "im:voteCount"),
        raw=dict(entry),
        extra=extra,
    )
    return Review(mention, review_id, updated)


# -- the cursor -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mark:
    """Where one storefront's reading stopped: the newest review time and the highest review id."""

    updated: datetime | None
    review_id: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "updated": self.updated.isoformat() if self.updated else None,
            "id": str(self.review_id) if self.review_id is not None else None,
        }

    @classmethod
    def from_json(cls, value: Any) -> Mark | None:
        """The mark, or None for one that holds nothing usable (that storefront starts afresh)."""
        if not isinstance(value, Mapping):
            return None
        updated = parse_time(value.get("updated"))
        raw_id = value.get("id")
        review_id = int(raw_id) if isinstance(raw_id, str) and raw_id.isdigit() else None
        return cls(updated, review_id) if updated or review_id is not None else None


def _marks(data: Any) -> dict[str, Mark]:
    if not isinstance(data, Mapping):
        raise ValueError("not an object keyed by country")
    return {str(k): mark for k, v in data.items() if (mark := Mark.from_json(v)) is not None}


# The cursor, keyed by country: {"us": {"updated": ISO time | null, "id": "123" | null}}.
CURSOR: CursorCodec[dict[str, Mark]] = CursorCodec(
    _marks, lambda marks: {k: m.to_json() for k, m in marks.items()} or None, empty=dict
)
