"""The fetching of the `appstore` source; see `connectors.appstore` for what it reads and its cursor."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from connectors.appstore.mapping import (
    CURSOR,
    Feed,
    Mark,
    Review,
    entry_id,
    is_app_metadata,
    parse_feed,
    to_review,
)
from connectors.appstore.options import Options
from connectors.base import ApiConnector, PageEmitter
from connectors.http.redaction import strip_controls
from connectors.search_syntax import excludes_platform
from connectors.types import BrandQuery, Page

log = logging.getLogger(__name__)

ITUNES_API = "https://itunes.apple.com"


class AppStoreConnector(ApiConnector):
    """One configured App Store source; `fetch` yields pages newest first, storefront by storefront."""

    options: Options

    def setup(self) -> None:
        spec = self.spec
        self.client = self.http_client(spec.base_url or ITUNES_API, headers={"Accept": "application/json"})

    def fetch(self, query: BrandQuery, since_cursor: str | None) -> Iterator[Page]:
        if excludes_platform(query.query, "appstore"):
            log.info("%s: the query's source: filters exclude appstore; nothing to fetch", self.spec.name)
            return
        marks = self.read_cursor(since_cursor, CURSOR)
        emitter = PageEmitter(since_cursor if not marks else CURSOR.dump(marks))  # compared canonically
        for country in self.options.countries:
            yield from self._storefront(country, marks, query.brand, emitter)

    def _storefront(
        self, country: str, marks: dict[str, Mark], brand: str, emitter: PageEmitter
    ) -> Iterator[Page]:
        """The pages of one storefront; `marks` gets its new mark once its last page is read."""
        start = marks.get(country)
        newest_time, newest_id = (start.updated, start.review_id) if start else (None, None)
        oldest_time: datetime | None = None
        oldest_id: int | None = None
        for number in range(1, self.options.max_pages + 1):
            path = (
                f"{country}/rss/customerreviews/page={number}/id={self.options.app_id}/sortby=mostrecent/json"
            )
            where = f"{self.spec.name}: GET /{path}"
            feed = parse_feed(self.client.get_json(path), where)
            reviews, rejected, items = self._reviews(feed, number, country, brand)
            fresh = [r for r in reviews if not self._old(r, start)]
            reached = bool(reviews) and self._old(reviews[-1], start)
            for review in fresh:
                if review.updated is not None:
                    newest_time = max(newest_time or review.updated, review.updated)
                    oldest_time = min(oldest_time or review.updated, review.updated)
                newest_id = max(newest_id or 0, review.review_id)
                oldest_id = min(oldest_id or review.review_id, review.review_id)
            at_end = feed.last_page is not None and number >= feed.last_page
            last = reached or not items or at_end or number == self.options.max_pages
            if last:
                if newest_time is not None or newest_id is not None:
                    marks[country] = Mark(newest_time, newest_id)
                out = CURSOR.dump(marks)
            else:  # resume from where this poll started or (first poll) from what it has stored
                progress = start or (Mark(oldest_time, oldest_id) if oldest_id is not None else None)
                out = CURSOR.dump({**marks, country: progress} if progress else marks)
            if (page := emitter.page([r.mention for r in fresh], out, rejected)) is not None:
                yield page
            if last:
                if start and not (reached or at_end or not items):
                    log.warning(
                        "%s: more than %d pages of %s reviews since the last poll; older ones in between "
                        "are not read",
                        self.spec.name,
                        number,
                        country,
                    )
                return

    def _reviews(self, feed: Feed, number: int, country: str, brand: str) -> tuple[list[Review], int, int]:
        """(reviews, rejected, items) of one page; `items` counts entries that are not app metadata."""
        metadata = 0

        def convert(numbered: tuple[int, Any]) -> Review | None:
            nonlocal metadata
            index, entry = numbered
            if is_app_metadata(entry, first=number == 1 and index == 0):
                log.debug("%s: skipped the app's metadata entry on page %d", self.spec.name, number)
                metadata += 1
                return None
            return to_review(
                entry,
                feed,
                country=country,
                app_id=self.options.app_id,
                brand=brand,
                source_name=self.spec.name,
            )

        def describe(index: int, numbered: tuple[int, Any]) -> str:
            shown = entry_id(numbered[1])  # text from the internet: one printable line, short
            what = f"review {strip_controls(shown)[:40]}" if shown else f"entry {index + 1}"
            return f"{what} of {country} page {number}"

        reviews, rejected = self.convert_items(enumerate(feed.entries), convert, describe)
        return reviews, rejected, len(feed.entries) - metadata

    def _old(self, review: Review, mark: Mark | None) -> bool:
        """Whether a review was stored by an earlier poll: older than the mark's time minus the
        overlap, or (no times to compare) an id at or below the mark's."""
        if mark is None:
            return False
        if review.updated is not None and mark.updated is not None:
            return review.updated < mark.updated - self.overlap
        return mark.review_id is not None and review.review_id <= mark.review_id
