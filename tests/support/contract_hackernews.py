"""The hackernews connector's case for the connector contract (tests/contract.py).

The brand query `"acme corp" OR acme OR acmeapp -hiring` becomes two Algolia searches, `acme` and
`acmeapp` (the phrase is covered by `acme`); the replay answers each by its `query` parameter.
Every response here is synthetic.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.support.contract import T0, Case

SEARCH = "/api/v1/search_by_date"
PER_PAGE = 5


def _hit(i: int) -> dict[str, Any]:
    at = T0 + timedelta(minutes=i)
    return {
        "objectID": str(40_000_000 + i),
        "created_at": at.isoformat().replace("+00:00", ".000Z"),
        "created_at_i": int(at.timestamp()),
        "comment_text": f"<p>acme corp comment {i}</p>",
        "author": "someone",
        "story_title": "A thread",
        "_tags": ["comment", "author_someone"],
    }


def _page(ids: list[int], page: int, nb_pages: int, nb_hits: int) -> dict[str, Any]:
    hits = [_hit(i) for i in sorted(ids, reverse=True)]  # newest first, as search_by_date sorts
    return {"hits": hits, "nbHits": nb_hits, "page": page, "nbPages": nb_pages, "hitsPerPage": PER_PAGE}


def _nothing(replay: Any) -> None:
    replay.add_response("GET", SEARCH, json=_page([], 0, 0, 0), query={"query": "acmeapp"})


def _first(_tmp: Path, replay: Any) -> int:
    replay.add_response(
        "GET", SEARCH, json=_page(list(range(5, 10)), 0, 2, 10), query={"query": "acme", "page": 0}
    )
    replay.add_response(
        "GET", SEARCH, json=_page(list(range(0, 5)), 1, 2, 10), query={"query": "acme", "page": 1}
    )
    _nothing(replay)
    return 10


def _more(_tmp: Path, replay: Any) -> int:
    # 10..12 are new; 8 and 9 fall inside the 5-minute overlap (sent again, deduped by the store).
    replay.add_response("GET", SEARCH, json=_page(list(range(8, 13)), 0, 1, 5), query={"query": "acme"})
    _nothing(replay)
    return 3


def _nothing_new(_tmp: Path, replay: Any) -> None:
    replay.add_response("GET", SEARCH, json=_page([], 0, 0, 0), query={"query": "acme"})
    _nothing(replay)


def _broken(_tmp: Path, replay: Any) -> None:
    replay.add_response("GET", SEARCH, status=400, json={"message": "invalid numericFilters", "status": 400})


CASE = Case(
    type="hackernews",
    source_toml=lambda _tmp, replay: (
        f'type = "hackernews"\nbase_url = "{replay.url}"\nhits_per_page = {PER_PAGE}\nbackfill_pages = 2\n'
    ),
    first=_first,
    more=_more,
    nothing_new=_nothing_new,
    broken=_broken,
    uses_replay=True,
)
