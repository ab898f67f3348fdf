"""The fetching of the `mastodon` source; see `connectors.mastodon` for what it reads and its cursor."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from connectors.base import ID_CURSOR, ApiConnector, PageEmitter
from connectors.credentials import credential, env_var
from connectors.errors import ConfigError, ConnectorError
from connectors.http.policy import RATE_LIMITS
from connectors.http.redaction import Redactor
from connectors.mastodon.mapping import (
    explain_refusal,
    hashtags_from_query,
    json_body,
    next_max_id,
    overlap_floor,
    parse_search,
    parse_timeline,
    search_terms,
    status_id,
    to_mention,
)
from connectors.mastodon.options import Options
from connectors.search_syntax import excludes_platform
from connectors.types import BrandQuery, Mention, Page

log = logging.getLogger(__name__)

TAGS_PER_REQUEST = 5  # the tag itself plus Mastodon's limit of four in any[]
_HTTP_STATUS = re.compile(r"-> HTTP (\d{3})\b")


@dataclass(frozen=True, slots=True)
class _Stream:
    """One newest-first list of statuses to read: a timeline, or one search."""

    label: str
    path: str
    params: dict[str, Any]
    search: bool = False


_Read = Generator[tuple[list[Mention], int, list[int], bool], None, None]


class MastodonConnector(ApiConnector):
    """One configured Mastodon source; see the module docstring for modes, paging and the cursor."""

    options: Options

    def setup(self) -> None:
        spec = self.spec
        if not spec.base_url:
            raise ConfigError(
                f"source {spec.name!r}: a mastodon source needs base_url, the instance to read "
                "(e.g. https://mastodon.social)"
            )
        self.host = urlsplit(spec.base_url).hostname
        self.token = self._token()
        secrets = [self.token] if self.token else []
        self._redactor = Redactor(secrets)
        common: dict[str, Any] = {
            "headers": {"Authorization": f"Bearer {self.token}"} if self.token else {},
            "rate_limit": RATE_LIMITS["mastodon"],
            "secrets": secrets,
        }
        self.client = self.http_client(spec.base_url, **common)
        # Only asked after a refusal, to explain it: one attempt, no retries (so its own adapter).
        self._probe = self.http_client(
            spec.base_url, policy=dataclasses.replace(self.policy, max_attempts=1), **common
        )

    def _token(self) -> str | None:
        """The access token: required for search, optional (when given) for the timelines."""
        given = (
            self.options.access_token_file or os.environ.get(env_var("mastodon", "access_token"), "").strip()
        )
        if not given and self.options.mode != "search":
            return None
        return credential(
            "mastodon",
            "access_token",
            source_name=self.spec.name,
            options=self.options,
            base_dir=self.spec.base_dir,
        )

    # -- fetching ---------------------------------------------------------------------------------

    def fetch(self, query: BrandQuery, since_cursor: str | None) -> Iterator[Page]:
        streams = self._streams(query)
        if not streams:
            log.info("%s: the query's source: filters exclude mastodon; nothing to fetch", self.spec.name)
            return
        since = self.read_cursor(since_cursor, ID_CURSOR)
        floor = overlap_floor(since, self.overlap.total_seconds()) if since is not None else None
        newest, oldest = since, None
        # An unreadable cursor is not rewritten to None by a page that finds nothing.
        emitter = PageEmitter(since_cursor if since is not None else None)
        for number, stream in enumerate(streams, start=1):
            for mentions, rejected, ids, last in self._read(stream, floor, since, query.brand):
                if ids:
                    newest = max(ids) if newest is None else max(newest, *ids)
                    oldest = min(ids) if oldest is None else min(oldest, *ids)
                if last and number == len(streams):
                    out = ID_CURSOR.dump(newest)
                else:  # resume from where this poll started, or (first poll) from what it has read
                    out = (
                        since_cursor
                        if since is not None
                        else (ID_CURSOR.dump(oldest - 1) if oldest else None)
                    )
                if (page := emitter.page(mentions, out, rejected)) is not None:
                    yield page

    def _streams(self, query: BrandQuery) -> list[_Stream]:
        mode = self.options.mode
        scope = {"all": {}, "local": {"local": "true"}, "remote": {"remote": "true"}}[self.options.scope]
        if mode == "public":
            return [] if _excluded(query) else [_Stream("public timeline", "/api/v1/timelines/public", scope)]
        if mode == "search":
            return [
                _Stream(f"search {term!r}", "/api/v2/search", {"q": term, "type": "statuses"}, search=True)
                for term in search_terms(query.query)
            ]
        if _excluded(query):
            return []
        tags = self.options.hashtags or hashtags_from_query(query.query)
        if not tags:
            raise ConnectorError(
                f"{self.spec.name}: no hashtag to read for brand {query.brand!r}: set hashtags, or give "
                "the brand query a one-word term",
                source=self.spec.name,
            )
        streams = []
        for start in range(0, len(tags), TAGS_PER_REQUEST):
            first, *more = tags[start : start + TAGS_PER_REQUEST]
            params = {**scope, **({"any[]": more} if more else {})}
            label = "#" + " #".join([first, *more])
            streams.append(_Stream(label, f"/api/v1/timelines/tag/{quote(first, safe='')}", params))
        return streams

    def _read(self, stream: _Stream, floor: int | None, since: int | None, brand: str) -> _Read:
        """Pages of one stream, newest first: (mentions, rejected, ids seen, last page of the stream)."""
        resuming = since is not None
        limit = self.options.limit
        pages = self.options.max_pages if resuming else self.options.backfill_pages
        max_id: str | None = None
        offset = 0
        for number in range(1, pages + 1):
            params: dict[str, Any] = {**stream.params, "limit": limit}
            if stream.search:
                params.update({"offset": offset} if offset else {})
            else:
                params.update({"since_id": str(floor)} if floor else {})
                params.update({"max_id": max_id} if max_id else {})
            where = f"{self.spec.name}: GET {stream.path} ({stream.label}, page {number})"
            response = self._get(stream, params)
            payload = self._json(response, where)
            items = parse_search(payload, where) if stream.search else parse_timeline(payload, where)
            mentions, rejected, reached, ids = self._mentions(items, floor, brand, where)
            if stream.search:
                more, offset = len(items) >= limit, offset + len(items)
            else:
                max_id = next_max_id(response.links)
                more = max_id is not None
            # A page with nothing newer than the cursor ends the stream: what follows is older still,
            # inside the overlap, which is there for late arrivals near the cursor (and a server
            # that ignores since_id would otherwise be paged to the budget).
            stale = since is not None and bool(ids) and max(ids) <= since
            last = reached or stale or not items or not more or number == pages
            yield mentions, rejected, ids, last
            if last:
                if resuming and more and items and not (reached or stale):
                    log.warning(
                        "%s: %s: more than %d pages since the last poll; older statuses in between are "
                        "not read",
                        self.spec.name,
                        stream.label,
                        pages,
                    )
                return

    def _mentions(
        self, items: list[Any], floor: int | None, brand: str, where: str
    ) -> tuple[list[Mention], int, bool, list[int]]:
        """(mentions, rejected, reached, ids) of one page; `reached`: it held statuses at or below
        the floor (a server that ignores since_id, or search, which has none): older ones follow."""
        ids: list[int] = []
        reached = False

        def convert(item: Any) -> Mention | None:
            nonlocal reached
            number = status_id(item)
            if floor is not None and number <= floor:
                reached = True
                return None
            ids.append(number)  # a status with a readable id moves the cursor even if it is skipped
            return to_mention(item, brand=brand, source_name=self.spec.name, instance_host=self.host)

        def describe(index: int, item: Any) -> str:
            shown = item.get("id") if isinstance(item, dict) else None
            return f"status {shown}" if isinstance(shown, str) else f"item {index + 1}"

        mentions, rejected = self.convert_items(items, convert, describe, where)
        return mentions, rejected, reached, ids

    # -- HTTP -------------------------------------------------------------------------------------

    def _get(self, stream: _Stream, params: dict[str, Any]) -> requests.Response:
        try:
            return self.client.request("GET", stream.path, params=params)
        except ConnectorError as exc:
            if type(exc) is ConnectorError and not stream.search:
                raise self._explain(exc) from None
            raise

    def _json(self, response: requests.Response, where: str) -> Any:
        """The body as JSON; anything else (an HTML error page, a cut-off body) is a PayloadError."""
        return json_body(response, where, self._redactor, source=self.spec.name)

    def _explain(self, exc: ConnectorError) -> ConnectorError:
        """A refused timeline, explained from the instance's `configuration.timelines_access`."""
        match = _HTTP_STATUS.search(str(exc))
        status = getattr(exc, "status", None) or (int(match.group(1)) if match else None)
        if status not in (404, 410, 422):
            return exc
        try:
            instance = self._probe.get_json("/api/v2/instance")
        except ConnectorError as probe:
            log.info(
                "%s: could not read the instance's settings to explain a refusal: %s", self.spec.name, probe
            )
            instance = None
        explained = explain_refusal(
            exc,
            instance,
            status=status,
            mode=self.options.mode,
            scope=self.options.scope,
            host=self.host,
            has_token=self.token is not None,
        )
        return explained or exc


def _excluded(query: BrandQuery) -> bool:
    return excludes_platform(query.query, "mastodon")
