"""Reddit JSON to Mention records, the brand query in Reddit search syntax, and the poll cursor.

Kept apart from `connectors.reddit` (which talks to praw) so the mapping rules can be read, and
tested, without any HTTP: what counts as a malformed item, how a comment without a permalink gets
its URL, and what the search query sent to Reddit looks like.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.base import CursorCodec
from connectors.errors import MalformedItem, PayloadError
from connectors.query import Or, Query, Term
from connectors.search_syntax import Syntax, excludes_platform, group, render
from connectors.types import Mention

__all__ = [
    "MAX_QUERY_LENGTH",
    "Cursor",
    "listing_children",
    "reddit_search_query",
    "to_mention",
]

SITE = "https://www.reddit.com"  # mention URLs point at Reddit itself, whatever base_url is
MAX_QUERY_LENGTH = 512  # Reddit rejects longer search queries
_KINDS = {"t1": "comment", "t3": "submission"}
# Characters with a meaning in Lucene (Reddit search): a word containing one is sent quoted.
_LUCENE_SPECIAL = re.compile(r'[+\-&|!(){}\[\]^"~*?:\\/]')
_KEYWORDS = frozenset({"AND", "OR", "NOT"})


# -- the query ------------------------------------------------------------------------------------


def _reddit_term(term: Term) -> str:
    # Reddit search has no documented prefix search: `acme*` searches `acme` and the local
    # re-check keeps what the prefix matches (words that only extend it, like `acmeville`, are not
    # found by the search).
    text = term.text
    if term.phrase or text.upper() in _KEYWORDS or _LUCENE_SPECIAL.search(text):
        return '"' + text.replace('"', "") + '"'
    return text


_REDDIT = Syntax(term=_reddit_term, and_sep=" AND ", negate=lambda s: f"NOT {s}")


def reddit_search_query(query: Query) -> str | None:
    """The brand query as a Reddit search `q`, or None when its `source:` filters exclude Reddit.

    Keywords, phrases, AND/OR/NOT and parentheses map one to one; `author:` / `-author:` become
    Reddit's `author:` field; `lang:` has no Reddit equivalent and is left to the local re-check,
    as is everything Reddit's search matches more loosely than we do (stemming, URLs).
    """
    if excludes_platform(query, "reddit"):
        return None
    expr = render(query.expr, _REDDIT)
    filters = query.filters
    parts: list[str] = []
    if filters.authors:
        parts.append(group([f"author:{_field(a)}" for a in filters.authors]))
    parts += [f"NOT author:{_field(a)}" for a in filters.exclude_authors]
    if not parts:
        return expr
    head = f"({expr})" if isinstance(query.expr, Or) else expr  # an AND chain just goes on
    return " AND ".join([head, *parts])


def _field(value: str) -> str:
    return f'"{value}"' if _LUCENE_SPECIAL.search(value) or " " in value else value


# -- listings and items ---------------------------------------------------------------------------


def listing_children(payload: Any, where: str) -> tuple[list[Any], str | None]:
    """The children and the `after` token of a Listing, or PayloadError for anything else."""
    if not isinstance(payload, dict) or payload.get("kind") != "Listing":
        shown = type(payload).__name__ if not isinstance(payload, str) else f"text {payload[:60]!r}"
        raise PayloadError(f"{where}: expected a Reddit Listing, got {shown}")
    data = payload.get("data")
    children = data.get("children") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(children, list):
        raise PayloadError(f"{where}: the Listing has no list of children")
    after = data.get("after")
    return children, after if isinstance(after, str) and after else None


def _number(data: dict[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MalformedItem(f"{key} is {_shown(value)}, not a number")
    return float(value)


def _count(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(data: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = data.get(key)
    if isinstance(value, str):
        return value
    if value is None and not required:
        return None
    raise MalformedItem(f"{key} is {_shown(value)}, not text")


def _shown(value: Any) -> str:
    return "missing" if value is None else type(value).__name__


def fullname_of(child: Any) -> str | None:
    """The item's fullname (t3_abc) if it can be told, for log lines about a malformed item."""
    data = child.get("data") if isinstance(child, dict) else None
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        return data["name"]
    if isinstance(data, dict) and isinstance(data.get("id"), str) and isinstance(child.get("kind"), str):
        return f"{child['kind']}_{data['id']}"
    return None


def to_mention(child: Any, *, brand: str, source_name: str) -> Mention:
    """A Listing child (t3 submission or t1 comment) as a Mention, or MalformedItem saying why."""
    if not isinstance(child, dict):
        raise MalformedItem(f"item is {_shown(child)}, not an object")
    kind, data = child.get("kind"), child.get("data")
    if kind not in _KINDS:
        raise MalformedItem(f"kind {kind!r} is neither a submission (t3) nor a comment (t1)")
    if not isinstance(data, dict):
        raise MalformedItem("item has no data object")
    item_id = _text(data, "id")
    if not item_id:
        raise MalformedItem("id is empty")
    name = data.get("name")
    if not isinstance(name, str) or name != f"{kind}_{item_id}":
        name = f"{kind}_{item_id}"  # derived: the name is the kind and the id, by definition
    created = _number(data, "created_utc")
    try:
        created_at = datetime.fromtimestamp(created, UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedItem(f"created_utc {created} is not a time") from None
    author = _text(data, "author", required=False)
    score = _count(data, "score")
    if kind == "t3":
        title = _text(data, "title")
        text = _text(data, "selftext", required=False) or ""
        comments = _count(data, "num_comments")
        engagement = None if score is None and comments is None else (score or 0) + (comments or 0)
    else:
        title = None
        text = _text(data, "body") or ""
        engagement = score
    return Mention(
        source="reddit",
        native_id=name,
        brand=brand,
        text=text,
        created_at=created_at,
        source_name=source_name,
        url=_url(kind, item_id, data),
        author=None if author in (None, "", "[deleted]") else author,
        title=title,
        engagement=engagement,
        raw=data,
    )


def _url(kind: str, item_id: str, data: dict[str, Any]) -> str | None:
    permalink = data.get("permalink")
    if isinstance(permalink, str) and permalink.startswith("/"):
        return SITE + permalink
    link_id = data.get("link_id")
    if kind == "t1" and isinstance(link_id, str) and link_id.startswith("t3_"):
        # Comments listed before 2017 carry no permalink; this short form redirects to the thread.
        return f"{SITE}/comments/{link_id[3:]}/_/{item_id}/"
    return None


# -- the cursor -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cursor:
    """The newest item a poll stored: Reddit listings are newest-first, so the next poll pages back
    until it reaches items older than `created_utc` minus the overlap window."""

    created_utc: float
    name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"created_utc": self.created_utc, "name": self.name}

    @classmethod
    def from_json(cls, data: Any) -> Cursor:
        created = float(data["created_utc"])
        if not math.isfinite(created):
            raise ValueError("created_utc is not a time")
        name = data.get("name")
        return cls(created, name if isinstance(name, str) else None)


CURSOR: CursorCodec[Cursor | None] = CursorCodec(
    Cursor.from_json, lambda c: c.to_json() if c else None, empty=lambda: None
)
