"""The fetching of the `googleplay` source; see `connectors.googleplay` for what it reads and its cursor."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from connectors.base import ApiConnector
from connectors.errors import AuthError, MalformedItem, PayloadError
from connectors.googleplay import Options
from connectors.googleplay.auth import TokenSource, load_service_account, rewrap, token_endpoint
from connectors.googleplay.mapping import parse_page, to_mention
from connectors.http.redaction import Redactor, body_preview, strip_controls
from connectors.search_syntax import excludes_platform
from connectors.types import BrandQuery, Mention, Page

log = logging.getLogger(__name__)

PLAY_API = "https://androidpublisher.googleapis.com"
_ACCESS_HINT = (
    "give the service account access to this app in Play Console (Users and permissions) with the "
    "'Reply to reviews' permission, and enable the Google Play Android Developer API in its Cloud project"
)


@dataclass(frozen=True, slots=True)
class Mark:
    """Where reading stopped: the newest `lastModified` stored and that review's id."""

    modified: datetime
    review_id: str

    def dump(self) -> str:
        return json.dumps({"modified": self.modified.isoformat(), "id": self.review_id}, sort_keys=True)

    @classmethod
    def load(cls, text: str | None) -> Mark | None:
        try:
            data = json.loads(text or "")
            return cls(datetime.fromisoformat(data["modified"]).astimezone(UTC), str(data["id"]))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


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
        start = Mark.load(since_cursor)
        if since_cursor and start is None:
            log.warning("%s: unreadable cursor %r; reading as on a first poll", self.spec.name, since_cursor)
        threshold = start.modified - self.overlap if start else None
        newest, oldest = start, None
        previous = start.dump() if start else since_cursor  # the cursor as stored, canonically
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
            if last:
                out = newest.dump() if newest else None
            else:  # resume from where this poll started, or (first poll) from what it has stored
                progress = start or oldest
                out = progress.dump() if progress else None
            if fresh or rejected or out != previous:
                previous = out
                yield Page(tuple(fresh), out, rejected)
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
        mentions: list[Mention] = []
        rejected = 0
        for index, item in enumerate(items):
            try:
                mentions.append(
                    to_mention(
                        item,
                        package=self.options.package_name,
                        brand=brand,
                        source_name=self.spec.name,
                        translated_to=self.options.translation_language,
                    )
                )
            except MalformedItem as exc:
                shown = item.get("reviewId") if isinstance(item, Mapping) else None
                what = (
                    f"review {strip_controls(shown)[:60]}"  # text from the internet: one short line
                    if isinstance(shown, str) and shown.strip()
                    else f"item {index + 1} of page {number}"
                )
                log.warning("%s: skipped %s: %s", self.spec.name, what, exc)
                rejected += 1
        return mentions, rejected

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
