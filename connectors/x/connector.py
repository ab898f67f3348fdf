"""The fetching of the `x` source; see `connectors.x` for what it reads and its cursor."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from typing import Any

import requests
import tweepy

from connectors.base import ID_CURSOR, ApiConnector, PageEmitter
from connectors.credentials import credential
from connectors.errors import (
    AuthError,
    ConnectorError,
    PayloadError,
    RateLimited,
    TransientError,
)
from connectors.http.policy import RATE_LIMITS
from connectors.http.redaction import Redactor, strip_controls
from connectors.http.transport import PolicyAdapter, make_session
from connectors.types import BrandQuery, Mention, Page
from connectors.x.mapping import parse_response, snowflake_id_at, to_mention, tweet_id, x_search_query
from connectors.x.options import Options

log = logging.getLogger(__name__)

X_API_HOST = "api.twitter.com"
_PLACEHOLDER_TOKEN = "set-by-transport"
# Recent search refuses a since_id older than seven days; stay clear of the edge.
_SEARCH_WINDOW = timedelta(days=7) - timedelta(minutes=10)
_FIELDS = {
    "expansions": ["author_id"],
    "tweet_fields": ["created_at", "lang", "public_metrics", "conversation_id", "author_id"],
    "user_fields": ["username", "public_metrics"],
}


class XConnector(ApiConnector):
    """One configured X source. The cursor is the newest tweet id stored (a since_id)."""

    options: Options

    def setup(self) -> None:
        spec = self.spec
        token = credential(
            "x", "bearer_token", source_name=spec.name, options=self.options, base_dir=spec.base_dir
        )
        self._redactor = Redactor([token])
        self.adapter = PolicyAdapter(
            self.policy,
            source=spec.name,
            base_url=spec.base_url,
            rewrite_hosts=(X_API_HOST,),  # tweepy's host; base_url may be https://api.x.com, a proxy, ...
            rate_limit=RATE_LIMITS["x"],
            headers={"Authorization": f"Bearer {token}"},
            **self.retry_kwargs(),
        )
        self.client = tweepy.Client(
            bearer_token=_PLACEHOLDER_TOKEN, return_type=dict, wait_on_rate_limit=False
        )
        make_session(self.adapter, self.client.session)

    def fetch(self, query: BrandQuery, since_cursor: str | None) -> Iterator[Page]:
        self.adapter.reset_budget()
        planned = self._call(query)
        if planned is None:
            log.info("%s: the query's source: filters exclude x; nothing to fetch", self.spec.name)
            return
        endpoint, call = planned
        since = self.read_cursor(since_cursor, ID_CURSOR)
        floor = self._floor(since)  # tweets up to this id were stored by an earlier poll
        params: dict[str, Any] = {"max_results": self.options.max_results, **_FIELDS}
        if floor is not None and (self.options.mode == "mentions" or self._searchable(floor)):
            params["since_id"] = str(floor)
        pages = self.options.max_pages if since is not None else self.options.backfill_pages
        newest, oldest = since, None
        emitter = PageEmitter(since_cursor)
        for number in range(1, pages + 1):
            tweets, users, meta = parse_response(
                self._request(endpoint, call, params), f"{self.spec.name}: GET {endpoint}"
            )
            mentions, rejected, reached = self._mentions(tweets, users, floor, query.brand, number)
            for mention in mentions:
                number_id = int(mention.native_id)
                newest = number_id if newest is None else max(newest, number_id)
                oldest = number_id if oldest is None else min(oldest, number_id)
            token = meta.get("next_token") if isinstance(meta.get("next_token"), str) else None
            last = reached or token is None or number == pages
            if last:
                out = ID_CURSOR.dump(newest)
            else:  # resume from where this poll started, or (first poll) from what it has stored
                out = since_cursor if since is not None else (ID_CURSOR.dump(oldest - 1) if oldest else None)
            if (page := emitter.page(mentions, out, rejected, reads=len(tweets))) is not None:
                yield page
            if last:
                if since is not None and token is not None and not reached:
                    log.warning(
                        "%s: more than %d pages since the last poll; older tweets in between are not read",
                        self.spec.name,
                        pages,
                    )
                return
            params["next_token" if self.options.mode == "search" else "pagination_token"] = token

    def _mentions(
        self, tweets: list[Any], users: dict[str, Any], floor: int | None, brand: str, number: int
    ) -> tuple[list[Mention], int, bool]:
        """(mentions, rejected, reached) of one page; `reached`: it held tweets stored before."""
        reached = False

        def convert(tweet: Any) -> Mention | None:
            nonlocal reached
            if floor is not None and tweet_id(tweet) <= floor:
                reached = True  # only without since_id: X returned what we already had
                return None
            return to_mention(tweet, users, brand=brand, source_name=self.spec.name)

        def describe(index: int, tweet: Any) -> str:
            shown = tweet.get("id") if isinstance(tweet, dict) else None
            return f"tweet {shown}" if isinstance(shown, str) else f"item {index + 1} of page {number}"

        mentions, rejected = self.convert_items(tweets, convert, describe)
        return mentions, rejected, reached

    # -- helpers ----------------------------------------------------------------------------------

    def _call(self, query: BrandQuery) -> tuple[str, Callable[..., Any]] | None:
        """(endpoint, tweepy call with the query or user id bound); None when there is nothing to ask."""
        if self.options.mode == "mentions":
            user_id = self.options.user_id
            return f"/2/users/{user_id}/mentions", partial(self.client.get_users_mentions, id=user_id)
        text = x_search_query(query.query, include_retweets=self.options.include_retweets)
        if text is None:
            return None
        if len(text) > self.options.max_query_length:
            raise ConnectorError(
                f"{self.spec.name}: the query of brand {query.brand!r} is {len(text)} characters in X "
                f"syntax; this source allows {self.options.max_query_length} (max_query_length)",
                source=self.spec.name,
            )
        return "/2/tweets/search/recent", partial(self.client.search_recent_tweets, query=text)

    def _floor(self, since: int | None) -> int | None:
        """The since_id to ask with: the cursor moved back by the overlap window (ids are times)."""
        if since is None:
            return None
        back = int(self.overlap.total_seconds() * 1000) << 22  # the low 22 bits are not time
        return max(0, since - back)

    def _searchable(self, since_id: int) -> bool:
        """Whether recent search accepts this since_id (it refuses ids older than seven days)."""
        return since_id >= snowflake_id_at(self._now() - _SEARCH_WINDOW)

    def _request(self, endpoint: str, call: Callable[..., Any], params: dict[str, Any]) -> Any:
        """One tweepy call, with its exceptions turned into ours."""
        try:
            return call(**params)
        except ConnectorError:
            raise
        except Exception as exc:  # everything tweepy raises becomes one of ours
            raise self._error(exc, f"GET {endpoint}") from None

    def _error(self, exc: Exception, what: str) -> ConnectorError:
        name = self.spec.name
        detail = strip_controls(str(exc))
        cls: type[ConnectorError]
        if isinstance(exc, ValueError):  # JSONDecodeError (also a RequestException): an HTML page?
            doc = getattr(exc, "doc", "") or ""
            preview = self._redactor.text(strip_controls(doc[:640]))[:80]
            cls, message = PayloadError, f'{what}: the response is not JSON; it starts with "{preview}"'
        elif isinstance(exc, tweepy.Unauthorized | tweepy.Forbidden):
            cls, message = AuthError, f"{what}: X refused the bearer token ({detail})"
        elif isinstance(exc, tweepy.TooManyRequests):
            reset = getattr(exc, "reset_time", None)
            wait = max(0.0, reset - self._now().timestamp()) if isinstance(reset, int) else None
            return RateLimited(
                self._redactor.text(f"{name}: {what}: {detail}"), retry_after=wait, source=name
            )
        elif isinstance(exc, tweepy.TwitterServerError | requests.RequestException):
            cls, message = TransientError, f"{what}: {detail}"
        elif isinstance(exc, tweepy.NotFound):
            cls, message = ConnectorError, f"{what}: not found ({detail}); check user_id"
        else:
            cls, message = ConnectorError, f"{what}: {type(exc).__name__}: {detail}"
        return cls(self._redactor.text(f"{name}: {message}"), source=name)
