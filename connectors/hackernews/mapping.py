"""Algolia HN Search responses to Mention records, the brand query as Algolia searches, and the
per-search cursor.

Kept apart from `connectors.hackernews` (which pages and slices time windows) so the rules can be
read on their own: what makes a hit malformed, which searches a brand query needs, and what the
cursor remembers between polls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.base import CursorCodec
from connectors.errors import MalformedItem, PayloadError
from connectors.html_text import html_to_text
from connectors.query import Query
from connectors.search_syntax import excludes_platform
from connectors.types import Mention

__all__ = [
    "CURSOR",
    "ITEM_URL",
    "Cursor",
    "SearchResult",
    "TermState",
    "algolia_searches",
    "hit_time",
    "parse_response",
    "to_mention",
]

ITEM_URL = "https://news.ycombinator.com/item?id="
# Algolia's per-hit match explanations: derived from the hit, large, and no use for an audit.
_DERIVED_KEYS = frozenset({"_highlightResult", "_snippetResult", "_rankingInfo"})


# -- the query ------------------------------------------------------------------------------------


def algolia_searches(query: Query) -> list[str]:
    """The `query=` strings to send, one search per positive term of the brand query.

    Algolia ANDs the words of one query and has no OR, so a brand query becomes one search per term
    (`Query.terms()` guarantees every matching text contains one of them) and the pipeline's local
    re-check applies the rest (NOT, AND, author:, lang:). Phrases are sent quoted (HN's index runs
    with Algolia's advancedSyntax, where quotes mean a phrase); `#`, `@` and a prefix `*` are dropped
    because Algolia ignores the punctuation and prefix-matches the last word on its own. A phrase
    that contains a word searched on its own is left out: every hit for it is a hit for that word.
    An empty list means the query's `source:` filters exclude Hacker News.
    """
    if excludes_platform(query, "hackernews"):
        return []
    words: list[str] = []
    phrases: list[str] = []
    for term in query.terms():
        text = term.rstrip("*").strip()
        parts = text.split()
        if len(parts) == 1:
            word = parts[0].lstrip("#@")
            if word and word.lower() not in {w.lower() for w in words}:
                words.append(word)
        elif parts:
            phrases.append(" ".join(parts).replace('"', ""))
    single = {w.lower() for w in words}
    searches = list(words)
    for phrase in phrases:
        if not any(part.lstrip("#@").lower() in single for part in phrase.split()):
            quoted = f'"{phrase}"'
            if quoted not in searches:
                searches.append(quoted)
    return searches


# -- responses and hits ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One page of `search_by_date`; the counts are None when Algolia left them out."""

    hits: list[Any]
    nb_hits: int | None
    nb_pages: int | None
    hits_per_page: int | None


def _count(payload: Mapping[str, Any], key: str) -> int | None:
    value = payload.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def parse_response(payload: Any, where: str) -> SearchResult:
    """The hits and counts of a search response, or PayloadError for anything else."""
    if not isinstance(payload, dict) or not isinstance(payload.get("hits"), list):
        shown = type(payload).__name__ if not isinstance(payload, dict) else f"keys {sorted(payload)[:6]}"
        raise PayloadError(f"{where}: expected an Algolia search response with a hits list, got {shown}")
    return SearchResult(
        hits=payload["hits"],
        nb_hits=_count(payload, "nbHits"),
        nb_pages=_count(payload, "nbPages"),
        hits_per_page=_count(payload, "hitsPerPage"),
    )


def _shown(value: Any) -> str:
    return "missing" if value is None else f"{type(value).__name__} {str(value)[:20]!r}"


def hit_time(hit: Any) -> int:
    """The hit's creation time as a Unix time (`created_at_i`, else `created_at`), or MalformedItem."""
    if not isinstance(hit, dict):
        raise MalformedItem(f"hit is {_shown(hit)}, not an object")
    stamp = hit.get("created_at_i")
    if isinstance(stamp, int) and not isinstance(stamp, bool):
        return stamp
    if stamp is not None:
        raise MalformedItem(f"created_at_i is {_shown(stamp)}, not a Unix time")
    text = hit.get("created_at")
    if isinstance(text, str):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise MalformedItem(f"created_at {text[:40]!r} is not an ISO 8601 time") from None
        return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())
    raise MalformedItem("no created_at_i or created_at")


def _object_id(hit: Mapping[str, Any]) -> str:
    raw = hit.get("objectID")
    if isinstance(raw, bool) or not isinstance(raw, str | int) or not str(raw).strip():
        raise MalformedItem(f"objectID is {_shown(raw)}")
    return str(raw).strip()


def _optional_text(hit: Mapping[str, Any], key: str) -> str | None:
    value = hit.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedItem(f"{key} is {_shown(value)}, not text")
    return value


def _metric(hit: Mapping[str, Any], key: str) -> int | None:
    value = hit.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def to_mention(hit: Any, *, brand: str, source_name: str) -> Mention:
    """A story, poll or comment hit as a Mention, or MalformedItem saying why.

    A comment's text is its own words only: `story_title` (the thread it is in) is kept in `raw`
    but not as the mention's title, because the pipeline matches the brand query and scores
    sentiment on title + text, and a thread's headline would make every reply in it a brand
    mention with the headline's tone.
    """
    created = hit_time(hit)
    object_id = _object_id(hit)
    comment = _optional_text(hit, "comment_text")
    tags = hit.get("_tags") if isinstance(hit.get("_tags"), list) else []
    title: str | None = None
    if comment is not None or "comment" in tags:
        if comment is None:
            raise MalformedItem("a comment without comment_text")
        text = html_to_text(comment)
        if not text:
            raise MalformedItem("comment_text is empty")
    else:
        title = (_optional_text(hit, "title") or "").strip() or None
        text = html_to_text(_optional_text(hit, "story_text"))
        if not title and not text:
            raise MalformedItem("a story without title or text")
    author = hit.get("author")
    counts = [c for c in (_metric(hit, "points"), _metric(hit, "num_comments")) if c is not None]
    try:
        created_at = datetime.fromtimestamp(created, UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedItem(f"created_at_i {created} is not a time") from None
    return Mention(
        source="hackernews",
        native_id=object_id,
        brand=brand,
        text=text,
        created_at=created_at,
        source_name=source_name,
        url=f"{ITEM_URL}{object_id}",
        author=author if isinstance(author, str) and author else None,
        title=title,
        engagement=sum(counts) if counts else None,
        raw={k: v for k, v in hit.items() if k not in _DERIVED_KEYS},
    )


# -- the cursor -----------------------------------------------------------------------------------


@dataclass(slots=True)
class TermState:
    """What the polls of one search have read.

    Everything up to `top` (a Unix time) has been read, except the window `gap` = (low, high]:
    a poll that ran out of pages before reaching its floor leaves the rest of its window there,
    and the next poll reads it first. Time windows can be asked for directly (numericFilters),
    so running out of pages loses nothing; it only delays.
    """

    top: int
    gap: tuple[int, int] | None = None


@dataclass(slots=True)
class Cursor:
    """The cursor of a source x brand: one TermState per search, as JSON
    ``{"terms": {"<search>": {"top": 1700000000, "gap": [low, high]}}}``.

    A search that is not in the cursor (a term added to the brand query) starts with a backfill of
    its own. `fallback` serves a cursor that is a bare Unix time (written by hand, or by a simpler
    version): it is the `top` of every search.
    """

    terms: dict[str, TermState] = field(default_factory=dict)
    fallback: int | None = None

    def state_for(self, search: str) -> TermState | None:
        if search in self.terms:
            state = self.terms[search]
            return TermState(state.top, state.gap)
        return TermState(self.fallback) if self.fallback is not None else None

    @classmethod
    def of(cls, states: Mapping[str, TermState | None]) -> Cursor:
        """The cursor of the searches that have a state."""
        return cls({search: s for search, s in states.items() if s is not None})

    def to_json(self) -> dict[str, Any] | None:
        terms = {
            search: {"top": s.top, **({"gap": list(s.gap)} if s.gap else {})}
            for search, s in self.terms.items()
        }
        return {"terms": terms} if terms else None

    @classmethod
    def from_json(cls, data: Any) -> Cursor:
        if _is_int(data) and data >= 0:
            return cls(fallback=data)
        terms = data["terms"]
        if not isinstance(terms, dict):
            raise ValueError("terms is not an object")
        loaded = {}
        for search, state in terms.items():
            top = state["top"]
            gap = state.get("gap")
            if not _is_int(top) or (gap is not None and not _valid_gap(gap)):
                raise ValueError(f"search {search!r}: not a term state")
            loaded[str(search)] = TermState(top, (gap[0], gap[1]) if gap else None)
        return cls(loaded)


CURSOR: CursorCodec[Cursor] = CursorCodec(Cursor.from_json, Cursor.to_json, empty=Cursor)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _valid_gap(gap: Any) -> bool:
    return isinstance(gap, list) and len(gap) == 2 and all(_is_int(v) for v in gap) and gap[0] < gap[1]
