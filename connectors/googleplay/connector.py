"""The fetching of the `googleplay` source; see `connectors.googleplay` for what it reads and its cursor."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from connectors.base import ApiConnector, PageEmitter
from connectors.errors import AuthError, PayloadError
from connectors.googleplay.auth import TokenSource, load_service_account, rewrap, token_endpoint
from connectors.googleplay.mapping import CURSOR, Mark, parse_page, to_mention
from connectors.googleplay.options import Options
from connectors.http.redaction import Redactor, body_preview, strip_controls
from connectors.search_syntax import excludes_platform
from connectors.types import BrandQuery, Mention, Page

log = logging.getLogger(__name__)

PLAY_API = "https://androidpublisher.googleapis.com"
_ACCESS_HINT = (
    "give the service account access to this app in Play Console (Users and permissions) with the "
    "'Reply to reviews' permission, and enable the Google Play Android Developer API in its Cloud project"
)


class GooglePlayConnector(ApiConnector):
    """One configured Google Play source; `fetch` yields pages newest first."""

    options: Options

    def setup(self) -> None:
        spec = self.spec
        account = load_service_account(
            self.options.service_account_file, source_name=spec.name, base_dir=spec.base_dir
        )
        self.client = self.http_client(spec.base_url or PLAY_API)
        self.tokens = TokenSource(
            account,
            self.client,
            url=token_endpoint(account.token_uri, spec.base_url, PLAY_API),
            source=spec.name,
            now=self._now,
        )
        self.path = f"androidpublisher/v3/applications/{quote(self.options.package_name)}/reviews"

    def fetch(self, query: BrandQuery, since_cursor: str | None) -> Iterator[Page]:
        if excludes_platform(query.query, "googleplay"):
            log.info("%s: the query's source: filters exclude googleplay; nothing to fetch", self.spec.name)
            return
        start = self.read_cursor(since_cursor, CURSOR)
        threshold = start.modified - self.overlap if start else None
        newest, oldest = start, None
        emitter = PageEmitter(CURSOR.dump(start) if start else since_cursor)  # compared canonically
        params: dict[str, Any] = {"maxResults": self.options.max_results}
        if self.options.translation_language:
            params["translationLanguage"] = self.options.translation_language
        for number in range(1, self.options.max_pages + 1):
            items, page_token = parse_page(self._get(params), f"{self.spec.name}: GET /{self.path}")
            mentions, rejected = self._mentions(items, query.brand, number)
            fresh = [m for m in mentions if threshold is None or m.created_at >= threshold]
            reached = bool(mentions) and threshold is not None and mentions[-1].created_at < threshold
            for m in fresh:
                if newest is None or m.created_at > newest.modified:
                    newest = Mark(m.created_at, m.native_id)
                if oldest is None or m.created_at < oldest.modified:
                    oldest = Mark(m.created_at, m.native_id)
            last = reached or page_token is None or number == self.options.max_pages
            # Not the last page: resume from where this poll started, or (first poll) from what it has stored.
            out = CURSOR.dump(newest if last else start or oldest)
            if (page := emitter.page(fresh, out, rejected)) is not None:
                yield page
            if last:
                if start and page_token is not None and not reached:
                    log.warning(
                        "%s: more than %d pages of reviews since the last poll; older ones in between are "
                        "not read (raise max_pages)",
                        self.spec.name,
                        number,
                    )
                return
            params["token"] = page_token

    def _mentions(self, items: list[Any], brand: str, number: int) -> tuple[list[Mention], int]:
        def convert(item: Any) -> Mention:
            return to_mention(
                item,
                package=self.options.package_name,
                brand=brand,
                source_name=self.spec.name,
                translated_to=self.options.translation_language,
            )

        def describe(index: int, item: Any) -> str:
            shown = item.get("reviewId") if isinstance(item, Mapping) else None
            if isinstance(shown, str) and shown.strip():
                return f"review {strip_controls(shown)[:60]}"  # text from the internet: one short line
            return f"item {index + 1} of page {number}"

        return self.convert_items(items, convert, describe)

    def _get(self, params: dict[str, Any]) -> Any:
        """One reviews.list call; a refused cached token is renewed once (it may have been revoked)."""
        for attempt in (1, 2):
            fresh = not self.tokens.cached
            token = self.tokens.token()
            redactor = Redactor([token])
            try:
                response = self.client.request(
                    "GET", self.path, params=params, headers={"Authorization": f"Bearer {token}"}
                )
            except AuthError as exc:
                if attempt == 1 and not fresh:
                    self.tokens.invalidate()
                    continue
                raise rewrap(exc, redactor, hint=_ACCESS_HINT) from None
            try:
                return json.loads(response.content)
            except (ValueError, RecursionError):
                raise PayloadError(
                    redactor.text(
                        f"{self.spec.name}: GET {redactor.url(response.url)} -> HTTP {response.status_code}, "
                        f"content-type {strip_controls(response.headers.get('Content-Type', '')) or 'none'}: "
                        f'body is not JSON; starts with "{body_preview(response, redactor)}"'
                    ),
                    source=self.spec.name,
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover
