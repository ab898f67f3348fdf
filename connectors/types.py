"""Shared value types: the Mention record, a Page of them, and the Connector protocol.

This is the "small module both may import" of DESIGN.md: `analysis` and `monitor` use these
types, connectors produce them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from connectors.query import Query

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Mention:
    """One post, comment or review that mentions a brand.

    Identity is (source, native_id, brand): two configured sources that see the same post store it
    once, and one post that names two brands is stored once per brand.
    """

    source: str  # the platform: "reddit", "x", "appstore", "file", ...
    native_id: str  # the platform's own id
    brand: str
    text: str
    created_at: datetime  # UTC, tz-aware
    source_name: str = ""  # the configured source that fetched it
    url: str | None = None
    author: str | None = None  # a handle, or a hash of it
    title: str | None = None
    lang: str | None = None  # ISO 639-1 when known
    rating: int | None = None  # 1-5 for reviews
    engagement: int | None = None  # likes + replies + shares, when the source reports them
    reach: int | None = None  # followers / views, when the source reports them
    # The source itself established that this mention is the brand's (an explicit brand column, a
    # scoped feed), so the pipeline skips the keyword re-check.
    brand_assigned: bool = False
    raw: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)  # payload kept for audit
    extra: Mapping[str, Any] = field(
        default_factory=lambda: _EMPTY, compare=False
    )  # unknown input columns, kept

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None:
            raise ValueError("Mention.created_at must be timezone-aware")
        if self.created_at.utcoffset() != UTC.utcoffset(None):
            object.__setattr__(self, "created_at", self.created_at.astimezone(UTC))

    @property
    def key(self) -> tuple[str, str, str]:
        """The identity (source, native_id, brand)."""
        return (self.source, self.native_id, self.brand)


@dataclass(frozen=True, slots=True)
class Page:
    """A batch of mentions and the cursor to resume from once they are stored.

    The pipeline stores `mentions` and `cursor` in one transaction, so a crash never stores a page
    without its cursor or moves the cursor past unstored mentions. `rejected` counts items of the
    page that could not be turned into mentions (logged by the connector).
    """

    mentions: tuple[Mention, ...]
    cursor: str | None
    rejected: int = 0
    reads: int = 0  # items the API counts against a read quota (X's monthly cap), 0 when none


@dataclass(frozen=True, slots=True)
class BrandQuery:
    """What a poll job asks a connector for: one brand and its parsed query.

    Connectors translate `query` into their API's search syntax where they can; the pipeline
    re-checks every fetched text locally with the same query.
    """

    brand: str
    query: Query


@runtime_checkable
class Connector(Protocol):
    """One source. `fetch` yields pages until the source has nothing newer than the cursor.

    The cursor is an opaque string the connector wrote into an earlier Page; None means "first
    poll". Connectors raise `connectors.errors.ConnectorError` subclasses and nothing else.
    """

    def fetch(self, query: BrandQuery, since_cursor: str | None) -> Iterator[Page]: ...
