"""The fetching of the `appstore` source; see `connectors.appstore` for what it reads and its cursor."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.appstore import Options
from connectors.appstore.mapping import Feed, Review, entry_id, parse_feed, parse_time, to_review
from connectors.base import ApiConnector
from connectors.errors import MalformedItem
from connectors.http.redaction import strip_controls
from connectors.search_syntax import excludes_platform
from connectors.types import BrandQuery, Mention, Page

log = logging.getLogger(__name__)

ITUNES_API = "https://itunes.apple.com"


@dataclass(frozen=True, slots=True)
class Mark:
    """Where one storefront's reading stopped: the newest review time and the highest review id."""

    updated: datetime | None
    review_id: int | None

    def dump(self) -> dict[str, Any]:
        return {
            "updated": self.updated.isoformat() if self.updated else None,
            "id": str(self.review_id) if self.review_id is not None else None,
        }

    @classmethod
    def load(cls, value: Any) -> Mark | None:
        if not isinstance(value, Mapping):
            return None
        updated = parse_time(value.get("updated"))
        raw_id = value.get("id")
        review_id = int(raw_id) if isinstance(raw_id, str) and raw_id.isdigit() else None
        return cls(updated, review_id) if updated or review_id is not None else None


def load_cursor(text: str | None) -> dict[str, Mark] | None:
    """The marks of a stored cursor by country ({} for none), or None when it is unreadable."""
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, Mapping):
        return None
    return {str(k): mark for k, v in data.items() if (mark := Mark.load(v)) is not None}


def dump_cursor(marks: Mapping[str, Mark]) -> str | None:
    if not marks:
        return None
    return json.dumps({k: marks[k].dump() for k in sorted(marks)}, sort_keys=True, separators=(",", ":"))


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
        marks = load_cursor(since_cursor)
        if marks is None:
            log.warning("%s: unreadable cursor %r; reading as on a first poll", self.spec.name, since_cursor)
            marks = {}
        # A page is worth yielding when it has mentions or moves the cursor (compared canonically).
        state = {"cursor": since_cursor if not marks else dump_cursor(marks)}
        for country in self.options.countries:
            yield from self._storefront(country, marks, query.brand, state)

    def _storefront(
        self, country: str, marks: dict[str, Mark], brand: str, state: dict[str, str | None]
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
                out = dump_cursor(marks)
            else:  # resume from where this poll started or (first poll) from what it has stored
                progress = start or (Mark(oldest_time, oldest_id) if oldest_id is not None else None)
                out = dump_cursor({**marks, country: progress} if progress else marks)
            mentions: tuple[Mention, ...] = tuple(r.mention for r in fresh)
            if mentions or rejected or out != state["cursor"]:
                state["cursor"] = out
                yield Page(mentions, out, rejected)
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
        reviews: list[Review] = []
        rejected = items = 0
        for index, entry in enumerate(feed.entries):
            if (
                isinstance(entry, Mapping)
                and "im:rating" not in entry
                and ((number == 1 and index == 0) or "im:name" in entry)
            ):
                log.debug("%s: skipped the app's metadata entry on page %d", self.spec.name, number)
                continue
            items += 1
            try:
                reviews.append(
                    to_review(
                        entry,
                        feed,
                        country=country,
                        app_id=self.options.app_id,
                        brand=brand,
                        source_name=self.spec.name,
                    )
                )
            except MalformedItem as exc:
                shown = entry_id(entry)  # text from the internet: one printable line, short
                what = f"review {strip_controls(shown)[:40]}" if shown else f"entry {index + 1}"
                log.warning("%s: skipped %s of %s page %d: %s", self.spec.name, what, country, number, exc)
                rejected += 1
        return reviews, rejected, items

    def _old(self, review: Review, mark: Mark | None) -> bool:
        """Whether a review was stored by an earlier poll: older than the mark's time minus the
        overlap, or (no times to compare) an id at or below the mark's."""
        if mark is None:
            return False
        if review.updated is not None and mark.updated is not None:
            return review.updated < mark.updated - self.overlap
        return mark.review_id is not None and review.review_id <= mark.review_id
