"""The fetching of the `reddit` source; see `connectors.reddit` for what it reads and its cursor."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from connectors.base import ApiConnector, PageEmitter, StopItems
from connectors.credentials import credential
from connectors.errors import ConnectorError
from connectors.http.policy import RATE_LIMITS
from connectors.http.redaction import Redactor
from connectors.http.transport import PolicyAdapter
from connectors.reddit.client import make_reddit, map_error
from connectors.reddit.mapping import (
    CURSOR,
    MAX_QUERY_LENGTH,
    Cursor,
    fullname_of,
    listing_children,
    reddit_search_query,
    to_mention,
)
from connectors.reddit.options import Options
from connectors.types import BrandQuery, Mention, Page

log = logging.getLogger(__name__)

REDDIT_API = "https://oauth.reddit.com"
REDDIT_HOSTS = ("www.reddit.com", "oauth.reddit.com", "reddit.com")


class RedditConnector(ApiConnector):
    """One configured Reddit source; `fetch` is a generator of pages, newest first.

    The cursor (JSON: created_utc and fullname of the newest item stored) moves only on the last
    page of a poll: pages arrive newest first, so committing a newer cursor earlier would skip the
    older pages if the poll stopped half-way.
    """

    options: Options

    def setup(self) -> None:
        spec = self.spec
        read = {
            key: credential(
                "reddit", key, source_name=spec.name, options=self.options, base_dir=spec.base_dir
            )
            for key in ("client_id", "client_secret", "user_agent")
        }
        self._redactor = Redactor([read["client_id"], read["client_secret"]])
        base = spec.base_url.rstrip("/") if spec.base_url else None
        # The real API host as base_url means "no proxy": the token endpoint stays on www.reddit.com.
        custom = base is not None and base != REDDIT_API
        self.adapter = PolicyAdapter(
            self.policy,
            source=spec.name,
            base_url=base if custom else None,
            rewrite_hosts=REDDIT_HOSTS,
            rate_limit=RATE_LIMITS["reddit"],
            secrets=[read["client_id"], read["client_secret"]],
            **self.retry_kwargs(),
        )
        self.reddit = make_reddit(
            read, base_url=base if custom else None, adapter=self.adapter, timeout=spec.timeout
        )

    # -- fetching ---------------------------------------------------------------------------------

    def fetch(self, query: BrandQuery, since_cursor: str | None) -> Iterator[Page]:
        self.adapter.reset_budget()
        plan = self._plan(query)
        if plan is None:
            log.info("%s: the query's source: filters exclude reddit; nothing to fetch", self.spec.name)
            return
        path, params, newest_first = plan
        cursor = self.read_cursor(since_cursor, CURSOR)
        threshold = cursor.created_utc - self.overlap.total_seconds() if cursor else None
        pages = self.options.max_pages if cursor and newest_first else self.options.backfill_pages
        newest, oldest = cursor, None
        emitter = PageEmitter(since_cursor)
        after: str | None = None
        for number in range(1, pages + 1):
            request = {**params, "limit": self.options.limit, **({"after": after} if after else {})}
            children, after = listing_children(self._get(path, request), f"{self.spec.name}: GET {path}")
            mentions, rejected, reached = self._mentions(children, threshold, newest_first, query.brand, path)
            for mention in mentions:
                created = mention.created_at.timestamp()
                if newest is None or created > newest.created_utc:
                    newest = Cursor(created, mention.native_id)
                oldest = created if oldest is None else min(oldest, created)
            last = (reached and newest_first) or after is None or number == pages or not children
            if last:
                out = CURSOR.dump(newest)
            else:  # resume from where this poll started, or (first poll) from what it has stored
                out = (
                    since_cursor if cursor else (CURSOR.dump(Cursor(oldest)) if oldest is not None else None)
                )
            if (page := emitter.page(mentions, out, rejected)) is not None:
                yield page
            if last:
                if cursor and newest_first and not reached and after is not None:
                    log.warning(
                        "%s: more than %d pages since the last poll; older items in between are not read",
                        self.spec.name,
                        pages,
                    )
                return

    def _mentions(
        self, children: list[Any], threshold: float | None, newest_first: bool, brand: str, path: str
    ) -> tuple[list[Mention], int, bool]:
        """(mentions, rejected, reached) of one listing; `reached`: it held items older than the
        cursor's overlap window (on a newest-first listing, everything after them is older still)."""
        reached = False

        def convert(child: Any) -> Mention | None:
            nonlocal reached
            mention = to_mention(child, brand=brand, source_name=self.spec.name)
            if threshold is not None and mention.created_at.timestamp() < threshold:
                reached = True
                if newest_first:
                    raise StopItems
                return None
            return mention

        mentions, rejected = self.convert_items(
            children,
            convert,
            lambda index, child: f"{fullname_of(child) or f'item {index + 1}'} from GET {path}",
        )
        return mentions, rejected, reached

    def _plan(self, query: BrandQuery) -> tuple[str, dict[str, Any], bool] | None:
        """(path, params, newest_first) of the listing to read, or None when there is nothing to ask."""
        subs = "+".join(self.options.subreddits)
        if self.options.mode == "subreddit_new":
            return f"r/{subs}/new", {}, True
        if self.options.mode == "subreddit_comments":
            return f"r/{subs}/comments/", {}, True
        q = reddit_search_query(query.query)
        if q is None:
            return None
        if len(q) > MAX_QUERY_LENGTH:
            raise ConnectorError(
                f"{self.spec.name}: the query of brand {query.brand!r} is {len(q)} characters in Reddit "
                f"syntax; Reddit search takes at most {MAX_QUERY_LENGTH}",
                source=self.spec.name,
            )
        params: dict[str, Any] = {
            "q": q,
            "restrict_sr": bool(subs),
            "sort": self.options.sort,
            "syntax": "lucene",
            "t": self.options.time_filter,
            "type": "link",
        }
        return f"r/{subs or 'all'}/search/", params, self.options.sort == "new"

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        """One GET through praw, with prawcore's exceptions turned into ours."""
        try:
            return self.reddit.request(method="GET", path=path, params=params)
        except ConnectorError:
            raise
        except Exception as exc:  # everything praw raises becomes one of ours
            raise self._error(exc, path) from None

    def _error(self, exc: Exception, path: str) -> ConnectorError:
        subs = ", ".join(f"r/{s}" for s in self.options.subreddits) or "r/all"
        return map_error(
            exc,
            source=self.spec.name,
            what=f"GET {path}",
            missing=subs,
            redactor=self._redactor,
            now=self._now(),
        )
