"""Mastodon statuses to Mention records, the brand query as hashtags and search terms, and the
arithmetic of Mastodon's snowflake ids.

Kept apart from `connectors.mastodon` (which pages timelines) so the mapping rules can be read on
their own: how a boost is identified, what makes a status malformed, and who its author is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from connectors.credentials import env_var
from connectors.errors import AuthError, ConnectorError, MalformedItem, PayloadError
from connectors.html_text import html_to_text
from connectors.http.redaction import Redactor, body_preview, strip_controls
from connectors.query import Query
from connectors.search_syntax import excludes_platform
from connectors.types import Mention

__all__ = [
    "explain_refusal",
    "hashtags_from_query",
    "json_body",
    "next_max_id",
    "overlap_floor",
    "parse_search",
    "parse_timeline",
    "search_terms",
    "status_id",
    "to_mention",
]

HASHTAG = re.compile(r"^\w+$")  # Mastodon's hashtags: letters, digits, '_' in any script
_ENGAGEMENT = ("favourites_count", "reblogs_count", "replies_count")


# -- the query ------------------------------------------------------------------------------------


def hashtags_from_query(query: Query) -> list[str]:
    """The hashtags to read when a source names none: each one-word term of the brand query (`#acme`
    and `acme` both mean the tag `acme`; a prefix `acme*` the tag `acme`). Handles (`@acme`) and
    phrases have no hashtag. Empty when the query's `source:` filters exclude Mastodon."""
    if excludes_platform(query, "mastodon"):
        return []
    tags: list[str] = []
    for term in query.terms():
        if term.startswith("@"):
            continue
        tag = term.rstrip("*").lstrip("#")
        if HASHTAG.match(tag) and not tag.isdigit() and tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    return tags


def search_terms(query: Query) -> list[str]:
    """The `q=` strings for full-text search: one search per positive term, since the local re-check
    applies AND/NOT and the filters. Phrases are quoted; a phrase containing a word that is searched
    on its own is left out (its hits are among that word's). Empty when `source:` excludes Mastodon.
    (The same reduction as `connectors.hackernews.mapping.algolia_searches`, for another platform.)"""
    if excludes_platform(query, "mastodon"):
        return []
    words: list[str] = []
    phrases: list[str] = []
    for term in query.terms():
        parts = term.rstrip("*").replace('"', "").split()
        if len(parts) == 1:
            word = parts[0].lstrip("#@")
            if word and word.lower() not in {w.lower() for w in words}:
                words.append(word)
        elif parts:
            phrases.append(" ".join(parts))
    single = {w.lower() for w in words}
    found = list(words)
    for phrase in phrases:
        quoted = f'"{phrase}"'
        if quoted not in found and not any(p.lstrip("#@").lower() in single for p in phrase.split()):
            found.append(quoted)
    return found


# -- ids and paging -------------------------------------------------------------------------------


def overlap_floor(since: int, seconds: float) -> int:
    """The since_id to ask with: the cursor moved back by the overlap window.

    Mastodon ids are snowflakes, milliseconds << 16, and a remote status gets the id of its own
    creation time when it arrives, so a post that federates late sorts below a cursor written before
    it arrived; the overlap catches those.
    """
    return max(0, since - (int(seconds * 1000) << 16))


def next_max_id(links: Mapping[str, Any]) -> str | None:
    """The `max_id` of the `Link: <...>; rel="next"` page (older statuses), or None at the end."""
    url = links.get("next", {}).get("url") if isinstance(links.get("next"), dict) else None
    if not isinstance(url, str):
        return None
    values = parse_qs(urlsplit(url).query).get("max_id")
    return values[0] if values and values[0].isdigit() else None


def json_body(response: requests.Response, where: str, redactor: Redactor, *, source: str) -> Any:
    """The body as JSON, or a PayloadError showing what came instead (an HTML error page, a body cut
    off): our HttpClient's get_json has no way to hand back the Link header paging needs."""
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):
        kind = strip_controls(response.headers.get("Content-Type", "")) or "none"
        preview = body_preview(response, redactor)
        message = (
            f"{where}: HTTP {response.status_code}, content-type {kind}: the body is not JSON; "
            f'it starts with "{preview}"'
        )
        raise PayloadError(redactor.text(message), source=source) from None


def parse_timeline(payload: Any, where: str) -> list[Any]:
    """The statuses of a timeline response (a JSON array), or PayloadError."""
    if not isinstance(payload, list):
        shown = f"keys {sorted(payload)[:5]}" if isinstance(payload, dict) else type(payload).__name__
        raise PayloadError(f"{where}: expected a JSON array of statuses, got {shown}")
    return payload


def parse_search(payload: Any, where: str) -> list[Any]:
    """The statuses of a v2 search response, or PayloadError."""
    if not isinstance(payload, dict) or not isinstance(payload.get("statuses"), list):
        shown = f"keys {sorted(payload)[:5]}" if isinstance(payload, dict) else type(payload).__name__
        raise PayloadError(f"{where}: expected a search result with a statuses list, got {shown}")
    return payload["statuses"]


def _shown(value: Any) -> str:
    return "missing" if value is None else f"{type(value).__name__} {str(value)[:24]!r}"


def status_id(item: Any) -> int:
    """The timeline id of an item (a boost's own id, which is what timelines page by), or MalformedItem."""
    if not isinstance(item, dict):
        raise MalformedItem(f"status is {_shown(item)}, not an object")
    raw = item.get("id")
    if not isinstance(raw, str | int) or isinstance(raw, bool) or not str(raw).isdigit():
        raise MalformedItem(f"id is {_shown(raw)}, not a string of digits")
    return int(raw)


# -- statuses -------------------------------------------------------------------------------------


def _text(status: Mapping[str, Any], key: str) -> str | None:
    value = status.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedItem(f"{key} is {_shown(value)}, not text")
    return value or None


def _created_at(status: Mapping[str, Any]) -> datetime:
    raw = status.get("created_at")
    if not isinstance(raw, str):
        raise MalformedItem(f"created_at is {_shown(raw)}")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedItem(f"created_at {raw[:40]!r} is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _count(data: Any, key: str) -> int | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _author(account: Any, instance_host: str | None) -> str | None:
    """`user@domain` for everyone: a local account's `acct` is the bare `user`, which would name a
    different person on every instance."""
    acct = account.get("acct") if isinstance(account, dict) else None
    if not isinstance(acct, str) or not acct.strip():
        return None
    acct = acct.strip().lstrip("@")
    if "@" in acct:
        return acct
    url = account.get("url")
    host = urlsplit(url).hostname if isinstance(url, str) else None
    host = host or instance_host
    return f"{acct}@{host}" if host else acct


def to_mention(item: Any, *, brand: str, source_name: str, instance_host: str | None) -> Mention:
    """A timeline or search item as a Mention, or MalformedItem saying why.

    A boost (an item whose `reblog` is a status) stands for the boosted status: the mention is that
    status, with its author, time and counts. It is identified by its ActivityPub `uri`, which is
    the same on every instance, so the same post seen through two instances (or boosted by several
    people) is stored once; the item as received is kept in `raw`.
    """
    if not isinstance(item, dict):
        raise MalformedItem(f"status is {_shown(item)}, not an object")
    reblog = item.get("reblog")
    status: dict[str, Any] = reblog if isinstance(reblog, dict) else item
    uri = _text(status, "uri") or _text(status, "url")
    if not uri:
        raise MalformedItem("status has neither uri nor url")
    created_at = _created_at(status)
    title = (_text(status, "spoiler_text") or "").strip() or None
    text = html_to_text(_text(status, "content"))
    if not text and not title:
        raise MalformedItem("status has no text (media only)")
    account = status.get("account")
    counts = [c for c in (_count(status, k) for k in _ENGAGEMENT) if c is not None]
    lang = _text(status, "language")
    return Mention(
        source="mastodon",
        native_id=uri,
        brand=brand,
        text=text,
        created_at=created_at,
        source_name=source_name,
        url=_text(status, "url") or uri,
        author=_author(account, instance_host),
        title=title,
        lang=lang.strip().lower() if lang and lang.strip() else None,
        engagement=sum(counts) if counts else None,
        reach=_count(account, "followers_count"),
        raw=item,
    )


# -- refusals -------------------------------------------------------------------------------------


def explain_refusal(
    exc: ConnectorError,
    instance: Any,
    *,
    status: int,
    mode: str,
    scope: str,
    host: str | None,
    has_token: bool,
) -> ConnectorError | None:
    """A clearer error for a timeline the instance refused (HTTP 404/410/422), from its
    `/api/v2/instance` body (None when it could not be read); None when that explains nothing.

    Mastodon 4.4+ states per feed whether it is `public`, `authenticated` or `disabled`
    (`configuration.timelines_access`); an anonymous request to a feed that is not public gets
    422 "This method requires an authenticated user" from Api::BaseController#require_user!.
    """
    key, label = (
        ("hashtag_feeds", "hashtag timelines") if mode == "hashtag" else ("live_feeds", "public timeline")
    )
    config = instance.get("configuration") if isinstance(instance, dict) else None
    access = config.get("timelines_access") if isinstance(config, dict) else None
    feed = access.get(key) if isinstance(access, dict) else None
    wanted = ("local", "remote") if scope == "all" else (scope,)
    levels = {w: feed[w] for w in wanted if isinstance(feed, dict) and isinstance(feed.get(w), str)}
    shown = ", ".join(f"{k} = {v}" for k, v in levels.items())
    source = exc.source or ""
    answer = str(exc).removeprefix(f"{source}: ")
    if "disabled" in levels.values():
        return ConnectorError(
            f"{source}: {host} has disabled its {label} (timelines_access.{key}: {shown}); "
            f"choose another instance or mode. The instance answered: {answer}",
            source=source,
        )
    if not has_token and ("authenticated" in levels.values() or status == 422):
        why = f" (timelines_access.{key}: {shown})" if "authenticated" in levels.values() else ""
        return AuthError(
            f"{source}: {host} shows its {label} to logged-in users only{why}; set "
            f"{env_var('mastodon', 'access_token')} or access_token_file. The instance answered: {answer}",
            source=source,
        )
    return None
