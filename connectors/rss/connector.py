"""The fetching of the `rss` source; see `connectors.rss` for what it reads and its cursor."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from connectors.base import ApiConnector, PageEmitter
from connectors.http.redaction import redact_url
from connectors.rss.mapping import CURSOR, Cursor, entry_time, parse_feed, to_mention, validators
from connectors.rss.options import Options
from connectors.search_syntax import excludes_platform
from connectors.types import BrandQuery, Mention, Page

log = logging.getLogger(__name__)

ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, "
    "text/xml;q=0.8, */*;q=0.5"
)


class RssConnector(ApiConnector):
    """One configured feed. The cursor is JSON: {etag, modified, newest}."""

    options: Options

    def setup(self) -> None:
        spec = self.spec
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
        cursor = self.read_cursor(since_cursor, CURSOR)
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
        page = PageEmitter(since_cursor).page(mentions, CURSOR.dump(Cursor(etag, modified, newest)), rejected)
        if page is not None:
            yield page

    def _mentions(
        self, feed: Any, cursor: Cursor, fetched_at: datetime, brand: str
    ) -> tuple[list[Mention], set[str], int]:
        """(mentions newest first, ids of those that carry their own date, rejected)."""
        name = self.spec.name
        threshold = cursor.newest - self.overlap if cursor.newest else None
        feed_lang = feed.feed.get("language")
        seen: set[str] = set()
        dated: set[str] = set()

        def convert(entry: Any) -> Mention | None:
            mention = to_mention(
                entry, brand=brand, source_name=name, fetched_at=fetched_at, feed_lang=feed_lang
            )
            if mention.native_id in seen:
                return None  # listed twice in one feed
            seen.add(mention.native_id)
            has_date = entry_time(entry) is not None
            if has_date and threshold is not None and mention.created_at < threshold:
                return None  # stored by an earlier poll
            if has_date:
                dated.add(mention.native_id)
            return mention

        def describe(index: int, entry: Any) -> str:
            shown = (entry.get("id") or entry.get("link")) if isinstance(entry, dict) else None
            return f"entry {str(shown)[:120]!r}" if shown else f"entry {index + 1}"

        mentions, rejected = self.convert_items(feed.entries, convert, describe)
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
