"""The connector contract, as data: each connector registers a `Case` that knows how to make its
source return some mentions, then more, then fail. tests/connectors/test_connector_contract.py runs the
same checks on every case (paging, cursor resume, dedupe, error mapping, health).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

T0 = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)


@dataclass
class Case:
    """How to drive one connector type through the contract.

    Each callable gets (tmp_path, replay) - replay is None for connectors without HTTP - and
    returns what the contract needs. `source_toml` returns the body of the [[sources]] table
    (without name/interval); `first` prepares the first poll and returns how many mentions of
    brand "acme" it must store (at least two pages' worth where the connector pages); `more`
    prepares a second poll with new items and returns how many are new; `nothing_new` prepares
    a poll that finds nothing new; `broken` makes the next poll fail.
    """

    type: str
    source_toml: Callable[[Path, Any], str]
    first: Callable[[Path, Any], int]
    more: Callable[[Path, Any], int]
    nothing_new: Callable[[Path, Any], None]
    broken: Callable[[Path, Any], None]
    env: dict[str, str] = field(default_factory=dict)
    uses_replay: bool = False


# -- the file connector ---------------------------------------------------------------------------


def _file_rows(start: int, n: int) -> str:
    return "".join(
        json.dumps(
            {
                "id": f"f{i}",
                "text": f"acme corp post {i}",
                "created_at": (T0 + timedelta(minutes=i)).isoformat(),
            }
        )
        + "\n"
        for i in range(start, start + n)
    )


def _file_first(tmp: Path, _replay: Any) -> int:
    (tmp / "feed.jsonl").write_text(_file_rows(0, 25), encoding="utf-8")
    return 25


def _file_more(tmp: Path, _replay: Any) -> int:
    with (tmp / "feed.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(_file_rows(25, 4))
    return 4


def _file_broken(tmp: Path, _replay: Any) -> None:
    (tmp / "feed.jsonl").rename(tmp / "feed.gone")


FILE = Case(
    type="file",
    source_toml=lambda tmp, _r: f'type = "file"\npath = "{tmp / "feed.jsonl"}"\npage_size = 10\n',
    first=_file_first,
    more=_file_more,
    nothing_new=lambda tmp, _r: None,
    broken=_file_broken,
)


# -- reddit (praw) and x (tweepy), against the replay server ------------------------------------

REDDIT_TOKEN = {"access_token": "contract-token", "token_type": "bearer", "expires_in": 86400, "scope": "*"}


def _reddit_post(i: int) -> dict[str, Any]:
    created = (T0 + timedelta(minutes=i)).timestamp()
    return {
        "kind": "t3",
        "data": {
            "id": f"p{i}",
            "name": f"t3_p{i}",
            "created_utc": created,
            "title": f"acme corp post {i}",
            "selftext": "",
            "author": "someone",
            "permalink": f"/r/acme/comments/p{i}/x/",
            "score": 1,
            "num_comments": 0,
        },
    }


def _reddit_listing(ids: range, after: str | None = None) -> dict[str, Any]:
    children = [_reddit_post(i) for i in sorted(ids, reverse=True)]  # newest first, as Reddit lists
    return {"kind": "Listing", "data": {"after": after, "children": children}}


def _reddit_first(_tmp: Path, replay: Any) -> int:
    replay.add_response("POST", "/api/v1/access_token", json=REDDIT_TOKEN)
    replay.add_response("GET", "/r/acme/new", json=_reddit_listing(range(5, 10), after="t3_p5"))
    replay.add_response("GET", "/r/acme/new", json=_reddit_listing(range(0, 5)), query={"after": "t3_p5"})
    return 10


def _reddit_more(_tmp: Path, replay: Any) -> int:
    # p10..p13 are new; p4..p9 fall inside the 5-minute overlap (sent again, deduped by the store).
    replay.add_response("GET", "/r/acme/new", json=_reddit_listing(range(0, 14), after="t3_p0"))
    return 4


def _reddit_nothing_new(_tmp: Path, replay: Any) -> None:
    replay.add_response("GET", "/r/acme/new", json=_reddit_listing(range(0, 14), after="t3_p0"))


def _reddit_broken(_tmp: Path, replay: Any) -> None:
    # The first call arms a freshly built connector, which needs a token of its own; the poller's
    # connector still holds one.
    if not getattr(replay, "_contract_reddit_armed", False):
        replay.add_response("POST", "/api/v1/access_token", json=REDDIT_TOKEN)
        replay._contract_reddit_armed = True
    replay.add_response("GET", "/r/acme/new", status=404, json={"message": "Not Found", "error": 404})


REDDIT = Case(
    type="reddit",
    source_toml=lambda _tmp, replay: (
        f'type = "reddit"\nbase_url = "{replay.url}"\nmode = "subreddit_new"\nsubreddits = ["acme"]\n'
        "limit = 5\nbackfill_pages = 2\n"
    ),
    first=_reddit_first,
    more=_reddit_more,
    nothing_new=_reddit_nothing_new,
    broken=_reddit_broken,
    env={
        "MONITOR_REDDIT_CLIENT_ID": "contract-client",
        "MONITOR_REDDIT_CLIENT_SECRET": "contract-secret-value",
        "MONITOR_REDDIT_USER_AGENT": "contract-tests/1.0 by u/tester",
    },
    uses_replay=True,
)


def _x_tweet(i: int) -> dict[str, Any]:
    created = T0 + timedelta(minutes=i)
    tweet_id = ((int(created.timestamp() * 1000) - 1288834974657) << 22) + i
    return {
        "id": str(tweet_id),
        "text": f"acme corp tweet {i}",
        "author_id": "7",
        "created_at": created.isoformat().replace("+00:00", "Z"),
    }


def _x_page(ids: range, next_token: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"result_count": len(ids)}
    if next_token:
        meta["next_token"] = next_token
    return {
        "data": [_x_tweet(i) for i in sorted(ids, reverse=True)],
        "includes": {"users": [{"id": "7", "username": "fan", "public_metrics": {"followers_count": 3}}]},
        "meta": meta,
    }


def _x_first(_tmp: Path, replay: Any) -> int:
    replay.add_response("GET", "/2/tweets/search/recent", json=_x_page(range(5, 10), "page2"))
    replay.add_response(
        "GET", "/2/tweets/search/recent", json=_x_page(range(0, 5)), query={"next_token": "page2"}
    )
    return 10


def _x_more(_tmp: Path, replay: Any) -> int:
    replay.add_response("GET", "/2/tweets/search/recent", json=_x_page(range(10, 13)))
    return 3


def _x_nothing_new(_tmp: Path, replay: Any) -> None:
    replay.add_response("GET", "/2/tweets/search/recent", json={"meta": {"result_count": 0}})


def _x_broken(_tmp: Path, replay: Any) -> None:
    replay.add_response("GET", "/2/tweets/search/recent", status=401, json={"title": "Unauthorized"})


X = Case(
    type="x",
    source_toml=lambda _tmp, replay: (
        f'type = "x"\nbase_url = "{replay.url}"\nmax_results = 10\nbackfill_pages = 2\n'
    ),
    first=_x_first,
    more=_x_more,
    nothing_new=_x_nothing_new,
    broken=_x_broken,
    env={"MONITOR_X_BEARER_TOKEN": "contract-bearer-token"},
    uses_replay=True,
)


def all_cases() -> list[Case]:
    """Every connector's case. The other connectors' cases live in tests/support/contract_<type>.py
    and import this module, so they are collected here lazily (a module-level list would be a
    circular import)."""
    from tests.support.contract_appstore import CASE as APPSTORE
    from tests.support.contract_googleplay import CASE as GOOGLEPLAY
    from tests.support.contract_hackernews import CASE as HACKERNEWS
    from tests.support.contract_mastodon import CASE as MASTODON
    from tests.support.contract_rss import CASE as RSS
    from tests.support.contract_youtube import CASE as YOUTUBE

    return [FILE, REDDIT, X, APPSTORE, GOOGLEPLAY, HACKERNEWS, MASTODON, YOUTUBE, RSS]
