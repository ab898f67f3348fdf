"""The fetching of the `youtube` source; see `connectors.youtube` for what it reads and its cursor."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import requests

from connectors.base import ApiConnector, PageEmitter
from connectors.credentials import credential
from connectors.errors import ConnectorError
from connectors.http.redaction import Redactor
from connectors.search_syntax import excludes_platform
from connectors.types import BrandQuery, Mention, Page
from connectors.youtube.mapping import CURSOR, Cursor, LastError, classify_error, parse_list, to_mention
from connectors.youtube.options import Options

log = logging.getLogger(__name__)

YOUTUBE_API = "https://www.googleapis.com/youtube/v3"


class YouTubeConnector(ApiConnector):
    """One configured YouTube source; yields a page per API page, target after target."""

    options: Options

    def setup(self) -> None:
        spec = self.spec
        self._key = credential(
            "youtube", "api_key", source_name=spec.name, options=self.options, base_dir=spec.base_dir
        )
        self._redactor = Redactor([self._key])
        self._last_error = LastError()
        session = requests.Session()
        session.hooks["response"].append(self._last_error)
        self.client = self.http_client(spec.base_url or YOUTUBE_API, session=session, secrets=[self._key])

    def fetch(self, query: BrandQuery, since_cursor: str | None) -> Iterator[Page]:
        if excludes_platform(query.query, "youtube"):
            log.info("%s: the query's source: filters exclude youtube; nothing to fetch", self.spec.name)
            return
        cursor = self.read_cursor(since_cursor, CURSOR)
        emitter = PageEmitter(since_cursor)
        targets = [("video", v) for v in self.options.video_ids]
        targets += [("channel", c) for c in self.options.channel_ids]
        for kind, target in targets:
            for mentions, rejected in self._target(kind, target, cursor, query.brand):
                if (page := emitter.page(mentions, CURSOR.dump(cursor), rejected)) is not None:
                    yield page

    # -- one video or channel ---------------------------------------------------------------------

    def _target(
        self, kind: str, target: str, cursor: Cursor, brand: str
    ) -> Iterator[tuple[list[Mention], int]]:
        """(mentions, rejected) of each page of one video's or channel's threads, `cursor` updated for
        it. Its time in the cursor moves only with the last page: pages arrive newest first, so moving
        it earlier would skip the rest if the poll stopped."""
        key = f"{kind}:{target}"
        previous = cursor.newest.get(key)
        threshold = previous - self.overlap if previous else None
        newest = previous
        params: dict[str, Any] = {
            "part": "snippet",
            "videoId" if kind == "video" else "allThreadsRelatedToChannelId": target,
            "order": "time",
            "maxResults": self.options.max_results,
            "textFormat": "plainText",
            "key": self._key,
        }
        seen: set[str] = set()
        for number in range(1, self.options.max_pages + 1):
            payload = self._get(params, kind, target)
            if payload is None:  # comments disabled: nothing to read, nothing to remember
                return
            items, token = parse_list(payload, f"{self.spec.name}: {kind} {target}", self.spec.name)
            mentions, rejected, reached = self._mentions(items, threshold, seen, brand, kind, target)
            for mention in mentions:
                if newest is None or mention.created_at > newest:
                    newest = mention.created_at
            done = reached or token is None or number == self.options.max_pages
            if done and newest is not None:
                cursor.newest[key] = newest
            yield mentions, rejected
            if done:
                if previous is not None and token is not None and not reached:
                    log.warning(
                        "%s: %s %s has more than %d pages of comments since the last poll; older ones "
                        "in between are not read",
                        self.spec.name,
                        kind,
                        target,
                        self.options.max_pages,
                    )
                return
            params["pageToken"] = token

    def _mentions(
        self,
        items: list[Any],
        threshold: datetime | None,
        seen: set[str],
        brand: str,
        kind: str,
        target: str,
    ) -> tuple[list[Mention], int, bool]:
        """(mentions, rejected, reached) of one page; `reached`: the page ends with comments older
        than the cursor's overlap window (order=time lists newest first, so later pages are older
        still). An old comment elsewhere on the page is skipped but does not stop the poll: a
        thread that is listed out of order (e.g. moved up by a new reply) must not hide newer ones."""
        last_old = False

        def convert(item: Any) -> Mention | None:
            nonlocal last_old
            mention = to_mention(item, brand=brand, source_name=self.spec.name)
            last_old = threshold is not None and mention.created_at < threshold
            if last_old or mention.native_id in seen:
                return None
            seen.add(mention.native_id)
            return mention

        def describe(index: int, item: Any) -> str:
            shown = item.get("id") if isinstance(item, dict) else None
            return (
                f"{f'thread {shown}' if isinstance(shown, str) else f'item {index + 1}'} of {kind} {target}"
            )

        mentions, rejected = self.convert_items(items, convert, describe)
        return mentions, rejected, last_old

    # -- HTTP -------------------------------------------------------------------------------------

    def _get(self, params: dict[str, Any], kind: str, target: str) -> Any | None:
        """One commentThreads request; None when the video's comments are disabled."""
        self._last_error.clear()
        try:
            return self.client.get_json("commentThreads", params)
        except ConnectorError as exc:
            status, body = self._last_error.status, self._last_error.body
            self._last_error.clear()
            classified = classify_error(
                exc,
                status,
                body,
                what=f"{kind} {target}",
                source=self.spec.name,
                now=self._now(),
                redactor=self._redactor,
            )
            if classified is None:
                log.info(
                    "%s: comments are disabled on %s %s; nothing to read there", self.spec.name, kind, target
                )
                return None
            if classified is exc:
                raise
            raise classified from None
