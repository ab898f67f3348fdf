"""The `appstore` connector's contract case, and builders of synthetic customer-reviews feeds.

Every feed built here is synthetic (written for these tests, not recorded), shaped like Apple's
JSON feed: wrapped ``{"label": ...}`` values, ``feed.link`` with ``rel="last"``, newest first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.contract import T0, Case

APP_ID = "1234567890"
SYNTHETIC = (
    "synthetic: written for brand-sentiment-monitor tests, shaped like Apple's customer-reviews JSON feed"
)


def page_path(page: int, country: str = "us", app_id: str = APP_ID) -> str:
    return f"/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"


def entry(
    review_id: int,
    when: datetime | None,
    *,
    text: str | None = None,
    rating: int | str = 4,
    title: str | None = None,
    author: str = "reviewer",
    version: str = "4.2.0",
) -> dict[str, Any]:
    """One review entry as Apple writes it; `when` None leaves out `updated` (older feeds)."""
    item: dict[str, Any] = {
        "author": {
            "uri": {"label": f"https://itunes.apple.com/us/reviews/id{review_id + 7}"},
            "name": {"label": author},
            "label": "",
        },
        "im:version": {"label": version},
        "im:rating": {"label": str(rating)},
        "id": {"label": str(review_id)},
        "title": {"label": title if title is not None else f"acme review {review_id}"},
        "content": {
            "label": text if text is not None else f"acme corp app review {review_id}",
            "attributes": {"type": "text"},
        },
        "link": {
            "attributes": {
                "rel": "related",
                "href": f"https://itunes.apple.com/us/review?id={APP_ID}&type=Purple%20Software",
            }
        },
        "im:voteSum": {"label": "1"},
        "im:contentType": {"attributes": {"term": "Application", "label": "Application"}},
        "im:voteCount": {"label": "2"},
    }
    if when is not None:
        item = {"updated": {"label": when.isoformat()}, **item}
    return item


def app_metadata() -> dict[str, Any]:
    """The app's own entry that older feeds put first on page 1 (no im:rating)."""
    return {
        "im:name": {"label": "Acme"},
        "im:image": [{"label": "https://is1-ssl.mzstatic.com/image/thumb/acme/53x53bb.png"}],
        "summary": {"label": "The Acme app."},
        "im:price": {"label": "Get", "attributes": {"amount": "0.00", "currency": "USD"}},
        "im:contentType": {"attributes": {"term": "Application", "label": "Application"}},
        "rights": {"label": "© Acme Inc."},
        "title": {"label": "Acme - Acme Inc."},
        "link": {
            "attributes": {
                "rel": "alternate",
                "type": "text/html",
                "href": "https://apps.apple.com/us/app/acme/id1234567890?uo=2",
            }
        },
        "id": {
            "label": "https://apps.apple.com/us/app/acme/id1234567890?uo=2",
            "attributes": {"im:id": APP_ID},
        },
        "im:artist": {"label": "Acme Inc."},
        "category": {"attributes": {"term": "Productivity", "label": "Productivity"}},
        "im:releaseDate": {"label": "2019-01-01T00:00:00-07:00"},
    }


def feed(
    entries: Any, *, last: int | None = 1, country: str = "us", updated: datetime | None = None
) -> dict[str, Any]:
    """A feed page; `entries` None leaves `entry` out (Apple's empty feed), a dict is a lone entry."""
    base = f"https://itunes.apple.com/{country}/rss/customerreviews"
    links = [
        {
            "attributes": {
                "rel": "alternate",
                "type": "text/html",
                "href": "https://music.apple.com/WebObjects/MZStore.woa/wa/viewGrouping?cc=us&id=1000",
            }
        },
        {"attributes": {"rel": "self", "href": f"{base}/id={APP_ID}/sortby=mostrecent/page=1/json"}},
    ]
    if last is not None:
        links.append(
            {
                "attributes": {
                    "rel": "last",
                    "href": f"{base}/page={last}/id={APP_ID}/sortby=mostrecent/xml"
                    f"?urlDesc=/customerreviews/id={APP_ID}/sortby=mostrecent/json",
                }
            }
        )
    body: dict[str, Any] = {
        "author": {"name": {"label": "iTunes Store"}, "uri": {"label": "http://www.apple.com/us/itunes/"}},
        "updated": {"label": (updated or T0 + timedelta(days=1)).isoformat()},
        "rights": {"label": "Copyright 2008 Apple Inc."},
        "title": {"label": "iTunes Store: Customer Reviews"},
        "icon": {"label": "http://itunes.apple.com/favicon.ico"},
        "link": links,
        "id": {"label": f"{base}/id={APP_ID}/sortby=mostrecent/page=1/json"},
    }
    if entries is not None:
        body["entry"] = entries
    return {"feed": body}


def reviews(ids: range) -> list[dict[str, Any]]:
    """Entries for review i at T0 + i minutes, newest first (as `sortby=mostrecent` lists them)."""
    return [entry(9_000_000_000 + i, T0 + timedelta(minutes=i)) for i in sorted(ids, reverse=True)]


def _first(_tmp: Path, replay: Any) -> int:
    replay.add_response("GET", page_path(1), json=feed([app_metadata(), *reviews(range(5, 10))], last=2))
    replay.add_response("GET", page_path(2), json=feed(reviews(range(0, 5)), last=2))
    return 10


def _more(_tmp: Path, replay: Any) -> int:
    # 10..13 are new; 4..9 fall inside the 5-minute overlap (sent again, deduped by the store); 3 is
    # older, so the poll stops after page 1.
    replay.add_response("GET", page_path(1), json=feed(reviews(range(3, 14)), last=2))
    return 4


def _nothing_new(_tmp: Path, replay: Any) -> None:
    replay.add_response("GET", page_path(1), json=feed(reviews(range(3, 14)), last=2))


def _broken(_tmp: Path, replay: Any) -> None:
    replay.add_response(
        "GET", page_path(1), body="<html><body>Service Unavailable</body></html>", content_type="text/html"
    )


CASE = Case(
    type="appstore",
    source_toml=lambda _tmp, replay: (
        f'type = "appstore"\nbase_url = "{replay.url}"\napp_id = "{APP_ID}"\ncountries = ["us"]\n'
        'match = "scoped"\n'
    ),
    first=_first,
    more=_more,
    nothing_new=_nothing_new,
    broken=_broken,
    uses_replay=True,
)
