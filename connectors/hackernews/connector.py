"""The fetching of the `hackernews` source; see `connectors.hackernews` for what it reads and its cursor."""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from connectors.base import ApiConnector, PageEmitter
from connectors.hackernews.mapping import (
    CURSOR,
    Cursor,
    SearchResult,
    TermState,
    algolia_searches,
    hit_time,
    parse_response,
    to_mention,
)
from connectors.hackernews.options import Options
from connectors.types import BrandQuery, Mention, Page

log = logging.getLogger(__name__)

HN_API = "https://hn.algolia.com"
SEARCH_PATH = "/api/v1/search_by_date"


@dataclass(frozen=True, slots=True)
class _Window:
    """Hits with low < created_at_i <= high (None: unbounded) still to be read for one search;
    `seen` is the previous poll's newest time (for a "new" window, whose floor is below it)."""

    kind: Literal["backfill", "gap", "new"]
    low: int | None
    high: int | None
    seen: int | None = None


_Step = Generator[tuple[list[Mention], int], None, tuple[bool, int]]


class HackerNewsConnector(ApiConnector):
    """One configured Hacker News source; see the module docstring for paging and the cursor."""

    options: Options

    def setup(self) -> None:
        spec = self.spec
        self._tags = "(" + ",".join(self.options.tags) + ")"  # ORed, as HN's own site asks: (story)
        self.client = self.http_client(spec.base_url or HN_API)

    def fetch(self, query: BrandQuery, since_cursor: str | None) -> Iterator[Page]:
        searches = algolia_searches(query.query)
        if not searches:
            log.info("%s: the query's source: filters exclude hackernews; nothing to fetch", self.spec.name)
            return
        cursor = self.read_cursor(since_cursor, CURSOR)
        # Searches no longer in the brand query drop out of the cursor; new ones start with a backfill.
        states: dict[str, TermState | None] = {s: cursor.state_for(s) for s in searches}
        emitter = PageEmitter(CURSOR.dump(Cursor.of(states)))  # compared canonically
        for search in searches:
            for mentions, rejected in self._read_search(search, states, query.brand):
                if (page := emitter.page(mentions, CURSOR.dump(Cursor.of(states)), rejected)) is not None:
                    yield page

    # -- windows and pages ------------------------------------------------------------------------

    def _read_search(
        self, search: str, states: dict[str, TermState | None], brand: str
    ) -> Generator[tuple[list[Mention], int], None, None]:
        state = states[search]
        if state is None:
            windows = [_Window("backfill", None, None)]
            budget = self.options.backfill_pages
        else:
            windows = [_Window("gap", *state.gap)] if state.gap else []
            windows.append(
                _Window("new", max(0, state.top - int(self.overlap.total_seconds())), None, state.top)
            )
            budget = self.options.max_pages
        for window in windows:
            finished, budget = yield from self._read_window(search, window, states, brand, budget)
            if not finished:
                current = states[search]
                gap = current.gap if current else None
                if window.kind != "backfill" and gap:
                    log.warning(
                        "%s: search %r: %d requests did not reach the previous poll; hits created "
                        "between %d and %d (Unix time) are read by the next poll",
                        self.spec.name,
                        search,
                        self.options.max_pages,
                        gap[0] + 1,
                        gap[1],
                    )
                return

    def _read_window(
        self, search: str, window: _Window, states: dict[str, TermState | None], brand: str, budget: int
    ) -> _Step:
        """Read one window newest first, page by page and slice by slice; returns (finished, budget left)."""
        page, upper = 0, window.high
        oldest: int | None = None
        newest: int | None = None
        while budget > 0:
            where = f"{self.spec.name}: GET {SEARCH_PATH} (search {search!r}, page {page})"
            result = parse_response(
                self.client.get_json(SEARCH_PATH, self._params(search, page, window.low, upper)), where
            )
            budget -= 1
            mentions, rejected, reached, times = self._mentions(result.hits, window.low, upper, brand, where)
            if times:
                oldest = min(times) if oldest is None else min(oldest, *times)
                newest = max(times) if newest is None else max(newest, *times)
            # A page with nothing newer than the previous poll ends a "new" window: what follows is
            # older still, inside the overlap, which is there for late arrivals near the cursor
            # (and a server that ignores numericFilters would otherwise be paged to the budget).
            stale = window.seen is not None and bool(times) and max(times) <= window.seen
            step = None if reached or stale else self._next(result, page, upper, oldest)
            states[search] = _advance(states[search], window, newest, oldest, finished=step is None)
            yield mentions, rejected
            if step is None:
                return True, budget
            page, upper = step
        return False, budget

    def _params(self, search: str, page: int, low: int | None, upper: int | None) -> dict[str, Any]:
        params: dict[str, Any] = {
            "query": search,
            "tags": self._tags,
            "hitsPerPage": self.options.hits_per_page,
            "page": page,
        }
        numeric = ([f"created_at_i>{low}"] if low is not None else []) + (
            [f"created_at_i<={upper}"] if upper is not None else []
        )
        if numeric:
            params["numericFilters"] = ",".join(numeric)
        return params

    def _next(
        self, result: SearchResult, page: int, upper: int | None, oldest: int | None
    ) -> tuple[int, int | None] | None:
        """(page, upper bound) of the next request in this window, or None when it is read."""
        if not result.hits:
            return None
        if result.nb_pages is None:  # no counts: keep going while pages come back full
            return (page + 1, upper) if len(result.hits) >= self.options.hits_per_page else None
        if page + 1 < result.nb_pages:
            return page + 1, upper
        per_page = result.hits_per_page or self.options.hits_per_page
        capped = result.nb_hits is not None and result.nb_hits > result.nb_pages * per_page
        if not capped or oldest is None:
            return None
        # Past Algolia's 1,000-hit cap: the next time slice ends where this one got to.
        if upper is not None and oldest >= upper:
            log.warning(
                "%s: more than %d hits created in the second %d; the rest of that second is skipped",
                self.spec.name,
                result.nb_pages * per_page,
                upper,
            )
            return 0, upper - 1
        return 0, oldest

    def _mentions(
        self, hits: list[Any], low: int | None, upper: int | None, brand: str, where: str
    ) -> tuple[list[Mention], int, bool, list[int]]:
        """(mentions, rejected, reached, times) of one page. `reached`: a hit at or below the
        window's floor came back (a server that ignores numericFilters); every later one is older."""
        times: list[int] = []
        reached = False

        def convert(hit: Any) -> Mention | None:
            nonlocal reached
            created = hit_time(hit)
            if low is not None and created <= low:
                reached = True
                return None
            if upper is not None and created > upper:
                return None  # above this slice: read by an earlier request
            times.append(created)  # a hit with a readable time moves the window even if it is skipped
            return to_mention(hit, brand=brand, source_name=self.spec.name)

        def describe(index: int, hit: Any) -> str:
            shown = hit.get("objectID") if isinstance(hit, dict) else None
            return f"hit {shown}" if isinstance(shown, str | int) else f"hit {index + 1}"

        mentions, rejected = self.convert_items(hits, convert, describe, where)
        return mentions, rejected, reached, times


def _advance(
    state: TermState | None, window: _Window, newest: int | None, oldest: int | None, *, finished: bool
) -> TermState | None:
    """The search's state after a page of `window` (the cursor the page is stored with)."""
    top = state.top if state is not None else None
    if window.kind != "gap" and newest is not None:
        top = newest if top is None else max(top, newest)
    if top is None:
        return None
    if finished or window.kind == "backfill":
        return TermState(top)
    if oldest is None or window.low is None:  # nothing read in this window yet: as it was
        return TermState(top, state.gap if state is not None else None)
    return TermState(top, (window.low, oldest))
