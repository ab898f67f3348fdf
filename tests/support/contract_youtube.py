"""The contract case of the `youtube` connector (registered in tests/contract.py's CASES).

Synthetic commentThreads responses served by the replay server: two pages on the first poll, a
newest-first page on the second poll whose tail falls inside the overlap window (the connector
stops there and the store drops what it already has), then nothing new, then a 404 videoNotFound.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.support.contract import T0, Case

VIDEO = "Acme0Video1"
PATH = "/commentThreads"


def thread(i: int) -> dict[str, Any]:
    """A synthetic comment thread; comment i is posted i minutes after T0."""
    published = (T0 + timedelta(minutes=i)).isoformat().replace("+00:00", "Z")
    comment_id = f"UgzContract{i:04d}"
    return {
        "kind": "youtube#commentThread",
        "id": comment_id,
        "snippet": {
            "videoId": VIDEO,
            "topLevelComment": {
                "kind": "youtube#comment",
                "id": comment_id,
                "snippet": {
                    "videoId": VIDEO,
                    "authorDisplayName": f"viewer {i}",
                    "textDisplay": f"acme corp comment {i}",
                    "likeCount": i,
                    "publishedAt": published,
                    "updatedAt": published,
                },
            },
            "totalReplyCount": 0,
        },
    }


def page(ids: range, token: str | None = None) -> dict[str, Any]:
    """A commentThreads response listing `ids` newest first, as order=time does."""
    body: dict[str, Any] = {
        "kind": "youtube#commentThreadListResponse",
        "pageInfo": {"totalResults": len(ids), "resultsPerPage": len(ids)},
        "items": [thread(i) for i in sorted(ids, reverse=True)],
    }
    if token:
        body["nextPageToken"] = token
    return body


def _first(_tmp: Path, replay: Any) -> int:
    replay.add_response("GET", PATH, json=page(range(5, 10), "page-2"), query={"videoId": VIDEO})
    replay.add_response("GET", PATH, json=page(range(0, 5)), query={"pageToken": "page-2"})
    return 10


def _more(_tmp: Path, replay: Any) -> int:
    # 10..13 are new; 0..9 are older, and the page ends below the 5-minute overlap: the poll stops.
    replay.add_response("GET", PATH, json=page(range(0, 14), "page-2b"))
    return 4


def _nothing_new(_tmp: Path, replay: Any) -> None:
    replay.add_response("GET", PATH, json=page(range(0, 14), "page-2c"))


def _broken(_tmp: Path, replay: Any) -> None:
    replay.add_response(
        "GET",
        PATH,
        status=404,
        json={
            "error": {
                "code": 404,
                "message": "The video identified by the videoId parameter could not be found.",
                "errors": [{"domain": "youtube.commentThread", "reason": "videoNotFound"}],
            }
        },
    )


CASE = Case(
    type="youtube",
    source_toml=lambda _tmp, replay: (
        f'type = "youtube"\nbase_url = "{replay.url}"\nvideo_ids = ["{VIDEO}"]\nmax_results = 5\n'
    ),
    first=_first,
    more=_more,
    nothing_new=_nothing_new,
    broken=_broken,
    env={"MONITOR_YOUTUBE_API_KEY": "contract-youtube-api-key"},
    uses_replay=True,
)
