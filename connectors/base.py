"""The template every API connector is built on (compare the Singer SDK's RESTStream).

It owns what the connectors share, so each source only says which requests to make and how a
payload item becomes a Mention:

- construction: the SourceSpec plus the retry loop's injectables (policy, sleep, clock, rng), taken
  once; a connector does its own set-up in `setup()` and builds clients with `http_client()` (or
  hands `retry_kwargs()` to a PolicyAdapter when a client library owns the session);
- the incremental window: `overlap`, how far a resumed poll reaches back behind its cursor;
- the cursor codec: cursors are JSON text (a bare id is a JSON number, `ID_CURSOR`), written
  canonically, with ONE policy for an unreadable one (`read_cursor`);
- item skipping: `convert_items` turns a page's items into mentions, logging and counting the items
  that are malformed (`MalformedItem`) instead of failing the poll; `convert` may leave an item out
  (None) or end the page (`StopItems`, e.g. a newest-first listing that reached the last poll);
- page assembly: `PageEmitter` yields a Page only when it stores something or moves the cursor.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from connectors.errors import MalformedItem
from connectors.http.client import HttpClient
from connectors.http.policy import HttpPolicy, policy_for, utc_now
from connectors.spec import SourceSpec
from connectors.types import Mention, Page

log = logging.getLogger(__name__)

S = TypeVar("S")
T = TypeVar("T")

# What decoding a stored cursor may raise when it is not one of ours.
_UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError)


class StopItems(Exception):
    """Raised by a `convert_items` converter: the rest of the page is not read (not converted, not
    counted), e.g. a newest-first listing has reached what the previous poll stored."""


class UnreadableCursor(ValueError):
    """A stored cursor that its source's codec cannot read."""


class CursorCodec(Generic[S]):
    """A source's cursor state <-> the JSON text stored with each page.

    `decode` turns parsed JSON into the state and raises (ValueError, TypeError, KeyError...) for
    anything else; `encode` turns the state into JSON-able data, None for "nothing stored yet".
    `empty()` makes the state of a first poll (a new one each time: connectors may change it).
    """

    def __init__(
        self, decode: Callable[[Any], S], encode: Callable[[S], Any], *, empty: Callable[[], S]
    ) -> None:
        self._decode = decode
        self._encode = encode
        self.empty = empty

    def read(self, text: str | None) -> S:
        """The state of a stored cursor, `empty()` for none; UnreadableCursor for one that is not ours."""
        if not text:
            return self.empty()
        try:
            return self._decode(json.loads(text))
        except _UNREADABLE as exc:
            raise UnreadableCursor(f"{type(exc).__name__}: {exc}") from None

    def dump(self, state: S) -> str | None:
        data = self._encode(state)
        return None if data is None else json.dumps(data, sort_keys=True, separators=(",", ":"))


def _bare_id(data: Any) -> int:
    if isinstance(data, bool) or not isinstance(data, int) or data < 0:
        raise ValueError(f"{data!r} is not an id")
    return data


# The cursor of a source whose items have growing numeric ids (X, Mastodon): the newest id stored,
# written as a bare JSON number ("1712345678901234567"); None before the first poll stores one.
ID_CURSOR: CursorCodec[int | None] = CursorCodec(_bare_id, lambda n: n, empty=lambda: None)


def read_cursor(since_cursor: str | None, codec: CursorCodec[S], source: str) -> S:
    """The stored cursor's state. An unreadable one is read as a first poll, with a warning: the
    store's identity key keeps what was stored before from being stored twice."""
    try:
        return codec.read(since_cursor)
    except UnreadableCursor:
        log.warning("%s: unreadable cursor %r; reading as on a first poll", source, since_cursor)
        return codec.empty()


class PageEmitter:
    """Page assembly: a page is worth yielding when it has mentions, rejected items or reads, or
    when it moves the cursor (compared with the last cursor stored)."""

    def __init__(self, stored: str | None) -> None:
        self.stored = stored

    def page(
        self, mentions: Iterable[Mention], cursor: str | None, rejected: int = 0, reads: int = 0
    ) -> Page | None:
        found = tuple(mentions)
        if not (found or rejected or reads or cursor != self.stored):
            return None
        self.stored = cursor
        return Page(found, cursor, rejected, reads)


class ApiConnector:
    def __init__(
        self,
        spec: SourceSpec,
        *,
        policy: HttpPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self.spec = spec
        self.options: Any = spec.options
        self.policy = policy or policy_for(spec.timeout)
        # The incremental window: a resumed poll reads this far back behind its cursor, so items the
        # API indexes late are not missed; what comes back twice is dropped by the store's identity key.
        self.overlap = timedelta(seconds=spec.overlap)
        self._sleep = sleep
        self._now = now
        self._rng = rng
        self.setup()

    def setup(self) -> None:
        """Connector-specific set-up: credentials, clients, derived options."""

    def retry_kwargs(self) -> dict[str, Any]:
        """The injectables of the retry loop, for HttpClient or PolicyAdapter."""
        return {"sleep": self._sleep, "now": self._now, "rng": self._rng}

    def http_client(self, base_url: str, *, policy: HttpPolicy | None = None, **extra: Any) -> HttpClient:
        """An HttpClient for this source with its policy (or `policy`) and the injected retry loop."""
        return HttpClient(
            base_url, source=self.spec.name, policy=policy or self.policy, **self.retry_kwargs(), **extra
        )

    # -- the template's shared steps ----------------------------------------------------------------

    def read_cursor(self, since_cursor: str | None, codec: CursorCodec[S]) -> S:
        """The stored cursor's state; an unreadable one is read as a first poll (`read_cursor`)."""
        return read_cursor(since_cursor, codec, self.spec.name)

    def convert_items(
        self,
        items: Iterable[Any],
        convert: Callable[[Any], T | None],
        describe: Callable[[int, Any], str],
        where: str | None = None,
    ) -> tuple[list[T], int]:
        """(converted, rejected) of one page's items. `convert` returns None for an item to leave
        out silently, raises StopItems to leave out the rest of the page, and raises MalformedItem
        for one that cannot be read, which is logged as "<where>: skipped <describe(index, item)>:
        <why>" and counted instead of failing the poll."""
        out: list[T] = []
        rejected = 0
        for index, item in enumerate(items):
            try:
                converted = convert(item)
            except StopItems:
                break
            except MalformedItem as exc:
                logging.getLogger(type(self).__module__).warning(
                    "%s: skipped %s: %s", where or self.spec.name, describe(index, item), exc
                )
                rejected += 1
                continue
            if converted is not None:
                out.append(converted)
        return out, rejected
