"""The mastodon connector's case for the connector contract (tests/contract.py): the public hashtag
timeline #acme, paged with the Link header. Every response here is synthetic."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.support.contract import T0, Case

TIMELINE = "/api/v1/timelines/tag/acme"
INSTANCE = "https://example.social"
TAG_URL = f"{INSTANCE}/tags/acme"


def status_id(i: int) -> int:
    """A Mastodon snowflake id for a status created i minutes after T0."""
    return (int((T0 + timedelta(minutes=i)).timestamp() * 1000) << 16) + i


def _status(i: int) -> dict[str, Any]:
    number = status_id(i)
    return {
        "id": str(number),
        "created_at": (T0 + timedelta(minutes=i)).isoformat().replace("+00:00", ".000Z"),
        "uri": f"{INSTANCE}/users/fan/statuses/{number}",
        "url": f"{INSTANCE}/@fan/{number}",
        "content": f'<p>acme corp toot {i} <a href="{TAG_URL}" class="hashtag">#<span>acme</span></a></p>',
        "spoiler_text": "",
        "language": "en",
        "reblog": None,
        "favourites_count": 1,
        "reblogs_count": 0,
        "replies_count": 0,
        "account": {"acct": "fan", "url": f"{INSTANCE}/@fan", "followers_count": 3},
    }


def _link(replay: Any, oldest: int) -> dict[str, str]:
    return {"Link": f'<{replay.url}{TIMELINE}?max_id={status_id(oldest)}>; rel="next"'}


def _statuses(ids: range) -> list[dict[str, Any]]:
    return [_status(i) for i in sorted(ids, reverse=True)]  # newest first, as timelines list


def _first(_tmp: Path, replay: Any) -> int:
    replay.add_response("GET", TIMELINE, json=_statuses(range(5, 10)), headers=_link(replay, 5))
    replay.add_response(
        "GET", TIMELINE, json=_statuses(range(0, 5)), headers=_link(replay, 0), query={"max_id": status_id(5)}
    )
    return 10


def _more(_tmp: Path, replay: Any) -> int:
    # 10..12 are new; 5..9 fall inside the 5-minute overlap (sent again, deduped by the store).
    replay.add_response("GET", TIMELINE, json=_statuses(range(5, 13)))
    return 3


def _nothing_new(_tmp: Path, replay: Any) -> None:
    replay.add_response("GET", TIMELINE, json=[])


def _broken(_tmp: Path, replay: Any) -> None:
    replay.add_response("GET", TIMELINE, status=401, json={"error": "The access token is invalid"})


CASE = Case(
    type="mastodon",
    source_toml=lambda _tmp, replay: (
        f'type = "mastodon"\nbase_url = "{replay.url}"\nhashtags = ["acme"]\nlimit = 5\nbackfill_pages = 2\n'
    ),
    first=_first,
    more=_more,
    nothing_new=_nothing_new,
    broken=_broken,
    uses_replay=True,
)
