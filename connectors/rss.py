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

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.base import ApiConnector
from connectors.http import redact_url
from connectors.rss_map import Cursor, Malformed, entry_time, parse_feed, to_mention, validators
from connectors.search_syntax import excludes_platform
from connectors.spec import SourceSpec
from connectors.types import BrandQuery, Mention, Page

log = logging.getLogger(__name__)

ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, "
    "text/xml;q=0.8, */*;q=0.5"
)


class Options(BaseModel):
    """Settings of a `type = "rss"` source."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="the feed's URL; base_url, if set, replaces its scheme and host")
    max_entries: int = Field(200, ge=1, le=10_000, description="newest entries read per poll")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        try:
            parts = urlsplit(value)
        except ValueError:
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http(s) URL, got {redact_url(value)!r}")
        return value


class RssConnector(ApiConnector):
    """One configured feed. The cursor is JSON: {etag, modified, newest}."""

    options: Options

    def setup(self) -> None:
        spec = self.spec
        self.overlap = timedelta(seconds=spec.overlap)
        parts = urlsplit(self.options.url)
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.client = self.http_client(
            spec.base_url or f"{parts.scheme}://{parts.netloc}", headers={"Accept": ACCEPT}
        )

    def fetch(self, query: BrandQuery, since_cursor: str | None) -> Iterator[Page]:
        name = self.spec.name
        if excludes_platform(query.query, "rss"):
            log.info("%s: the query's source: filters exclude rss; nothing to fetch", name)
            return
        cursor = Cursor.load(since_cursor)
        if cursor is None:
            log.warning("%s: unreadable cursor %r; reading as on a first poll", name, since_cursor)
            cursor = Cursor()
        conditional = {}
        if cursor.etag:
            conditional["If-None-Match"] = cursor.etag
        if cursor.modified:
            conditional["If-Modified-Since"] = cursor.modified
        response = self.client.request("GET", self._path, headers=conditional)
        if response.status_code == 304:
            log.debug("%s: feed not modified since the last poll", name)
            return
        fetched_at = self._now()
        where = f"{name}: GET {redact_url(self.client.url_for(self._path))}"
        feed = parse_feed(
            response.content,
            content_type=response.headers.get("Content-Type"),
            location=self.options.url,
            where=where,
            source=name,
        )
        if feed.get("bozo"):
            log.warning(
                "%s: the feed is not well-formed (%s); reading the %d entries found",
                where,
                str(feed.get("bozo_exception"))[:120],
                len(feed.entries),
            )
        mentions, dated, rejected = self._mentions(feed, cursor, fetched_at, query.brand)
        newest = cursor.newest
        for mention in mentions:
            if mention.native_id in dated:  # never later than now: a future date would skip entries
                moment = min(mention.created_at, fetched_at)
                newest = moment if newest is None or moment > newest else newest
        etag, modified = validators(response.headers)
        out = Cursor(etag, modified, newest).dump()
        if mentions or rejected or out != since_cursor:
            yield Page(tuple(mentions), out, rejected)

    def _mentions(
        self, feed: Any, cursor: Cursor, fetched_at: datetime, brand: str
    ) -> tuple[list[Mention], set[str], int]:
        """(mentions newest first, ids of those that carry their own date, rejected)."""
        name = self.spec.name
        threshold = cursor.newest - self.overlap if cursor.newest else None
        feed_lang = feed.feed.get("language")
        mentions: list[Mention] = []
        seen: set[str] = set()
        dated: set[str] = set()
        rejected = 0
        for index, entry in enumerate(feed.entries):
            try:
                mention = to_mention(
                    entry, brand=brand, source_name=name, fetched_at=fetched_at, feed_lang=feed_lang
                )
            except Malformed as exc:
                shown = entry.get("id") or entry.get("link") if isinstance(entry, dict) else None
                what = f"entry {str(shown)[:120]!r}" if shown else f"entry {index + 1}"
                log.warning("%s: skipped %s: %s", name, what, exc)
                rejected += 1
                continue
            if mention.native_id in seen:
                continue  # listed twice in one feed
            seen.add(mention.native_id)
            has_date = entry_time(entry) is not None
            if has_date and threshold is not None and mention.created_at < threshold:
                continue  # stored by an earlier poll
            if has_date:
                dated.add(mention.native_id)
            mentions.append(mention)
        mentions.sort(key=lambda m: m.created_at, reverse=True)
        if len(mentions) > self.options.max_entries:
            log.info(
                "%s: %d new entries; reading the newest %d (max_entries)",
                name,
                len(mentions),
                self.options.max_entries,
            )
            mentions = mentions[: self.options.max_entries]
        return mentions, dated, rejected


def build(spec: SourceSpec) -> RssConnector:
    return RssConnector(spec)
