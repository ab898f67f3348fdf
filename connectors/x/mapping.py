"""X API v2 JSON to Mention records, the brand query in X search syntax, and snowflake time.

Kept apart from `connectors.x` (which talks to tweepy) so the rules can be read on their own: what
makes a tweet malformed, how its time is found when `created_at` is missing, and which parts of a
brand query X can express.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.errors import MalformedItem, PayloadError
from connectors.query import Or, Query, Term
from connectors.search_syntax import Syntax, excludes_platform, group, render
from connectors.types import Mention

__all__ = [
    "TWITTER_EPOCH_MS",
    "parse_response",
    "snowflake_id_at",
    "snowflake_time",
    "to_mention",
    "x_search_query",
]

SITE = "https://x.com"
TWITTER_EPOCH_MS = 1288834974657  # 2010-11-04T01:42:54.657Z, time zero of snowflake ids
_FIRST_SNOWFLAKE = 29_700_859_247  # smaller ids were assigned sequentially and carry no time
_KEYWORDS = frozenset({"AND", "OR", "NOT"})
_ENGAGEMENT = ("like_count", "retweet_count", "reply_count", "quote_count")
# Codes X gives instead of a language: undetermined, media/hashtag/cashtag/mention-only, no text.
_NOT_A_LANGUAGE = frozenset({"und", "qam", "qct", "qht", "qme", "qst", "zxx", "art"})


# -- the query ------------------------------------------------------------------------------------


def _x_term(term: Term) -> str:
    # X has no wildcard: `acme*` searches `acme`; the local re-check applies the prefix. A colon
    # would make X read a word as an operator (`https://...` as `https:`), so such words are quoted.
    text = term.text
    if term.phrase or text in _KEYWORDS or ":" in text:
        return '"' + text.replace('"', "") + '"'
    return text


_X = Syntax(term=_x_term, and_sep=" ", negate=lambda s: f"-{s}")


def x_search_query(query: Query, *, include_retweets: bool = False) -> str | None:
    """The brand query in X's syntax, or None when its `source:` filters exclude X.

    The brand query language is X's own, so this is nearly the identity: `author:` becomes `from:`,
    `lang:` stays (X knows primary languages only, so `lang:pt-BR` is sent as `lang:pt` and the
    re-check narrows it; an excluded regional variant is left to the re-check alone) and
    `-is:retweet` is added unless retweets are wanted.
    """
    if excludes_platform(query, "x"):
        return None
    expr = render(query.expr, _X)
    parts = [f"({expr})" if isinstance(query.expr, Or) else expr]
    filters = query.filters
    if filters.authors:
        parts.append(group([f"from:{a}" for a in filters.authors]))
    parts += [f"-from:{a}" for a in filters.exclude_authors]
    if filters.langs:
        primaries = list(dict.fromkeys(code.split("-")[0] for code in filters.langs))
        parts.append(group([f"lang:{code}" for code in primaries]))
    parts += [f"-lang:{code}" for code in filters.exclude_langs if "-" not in code]
    if not include_retweets:
        parts.append("-is:retweet")
    return " ".join(parts)


# -- snowflake ids --------------------------------------------------------------------------------


def snowflake_time(tweet_id: int) -> datetime | None:
    """When a tweet was created, from its id; None for ids older than snowflake (2010)."""
    if tweet_id < _FIRST_SNOWFLAKE:
        return None
    return datetime.fromtimestamp(((tweet_id >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


def snowflake_id_at(moment: datetime) -> int:
    """The smallest id a tweet created at `moment` can have (for moving a since_id back in time)."""
    ms = int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS
    return max(0, ms) << 22


# -- responses and tweets -------------------------------------------------------------------------


def parse_response(payload: Any, where: str) -> tuple[list[Any], dict[str, Any], dict[str, Any]]:
    """(tweets, users by id, meta) of a v2 response, or PayloadError for anything else."""
    if not isinstance(payload, dict) or ("data" not in payload and "meta" not in payload):
        shown = type(payload).__name__ if not isinstance(payload, dict) else f"keys {sorted(payload)[:5]}"
        raise PayloadError(f"{where}: expected an X API v2 response (data, meta), got {shown}")
    data = payload.get("data") or []
    meta = payload.get("meta") or {}
    includes = payload.get("includes") or {}
    if not isinstance(data, list) or not isinstance(meta, dict) or not isinstance(includes, dict):
        raise PayloadError(f"{where}: data must be a list and meta, includes objects")
    users = includes.get("users")
    listed = users if isinstance(users, list) else []
    by_id = {str(u["id"]): u for u in listed if isinstance(u, dict) and "id" in u}
    return data, by_id, meta


def tweet_id(tweet: Any) -> int:
    """The tweet's id as a number (X sends ids as strings of digits), or MalformedItem."""
    raw = tweet.get("id") if isinstance(tweet, dict) else None
    if isinstance(raw, bool) or not isinstance(raw, str | int) or not str(raw).isdigit():
        raise MalformedItem(f"id is {_shown(raw)}, not a string of digits")
    return int(raw)


def _shown(value: Any) -> str:
    return "missing" if value is None else f"{type(value).__name__} {str(value)[:20]!r}"


def _created_at(tweet: Mapping[str, Any], number: int) -> datetime:
    raw = tweet.get("created_at")
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise MalformedItem(f"created_at {raw[:40]!r} is not an ISO 8601 time") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if raw is not None:
        raise MalformedItem(f"created_at is {_shown(raw)}, not text")
    derived = snowflake_time(number)
    if derived is None:
        raise MalformedItem("no created_at, and the id predates snowflake ids")
    return derived


def _metric(metrics: Any, key: str) -> int | None:
    value = metrics.get(key) if isinstance(metrics, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def to_mention(tweet: Any, users: Mapping[str, Any], *, brand: str, source_name: str) -> Mention:
    """A v2 tweet (and its expanded author, if any) as a Mention, or MalformedItem saying why."""
    if not isinstance(tweet, dict):
        raise MalformedItem(f"tweet is {_shown(tweet)}, not an object")
    number = tweet_id(tweet)
    text = tweet.get("text")
    if not isinstance(text, str):
        raise MalformedItem(f"text is {_shown(text)}, not text")
    author = users.get(str(tweet.get("author_id")))
    username = author.get("username") if isinstance(author, dict) else None
    username = username if isinstance(username, str) and username else None
    counts = [_metric(tweet.get("public_metrics"), k) for k in _ENGAGEMENT]
    known = [c for c in counts if c is not None]
    lang = tweet.get("lang")
    path = f"{username}/status/{number}" if username else f"i/web/status/{number}"
    return Mention(
        source="x",
        native_id=str(number),
        brand=brand,
        text=text,
        created_at=_created_at(tweet, number),
        source_name=source_name,
        url=f"{SITE}/{path}",
        author=username,
        lang=lang if isinstance(lang, str) and lang and lang not in _NOT_A_LANGUAGE else None,
        engagement=sum(known) if known else None,
        reach=_metric(author.get("public_metrics") if isinstance(author, dict) else None, "followers_count"),
        raw={"tweet": tweet, "author": author if isinstance(author, dict) else None},
    )
