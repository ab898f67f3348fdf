"""The contract case of the `rss` connector (registered in tests/contract.py's CASES).

A synthetic Atom feed served by the replay server. Feeds do not page: the first poll reads one
feed of ten entries; the second poll gets the feed with four more (the older ones come back, and
those inside the overlap window are dropped by the store); the third gets a 304 to its
conditional GET; a broken poll gets an HTML error page served with status 200.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from pathlib import Path
from typing import Any

from tests.support.contract import T0, Case

PATH = "/alerts/feeds/contract/acme"
ATOM = "application/atom+xml"


def atom(ids: range) -> str:
    """A synthetic Atom feed, entries newest first; entry i is published i minutes after T0."""
    entries = []
    for i in sorted(ids, reverse=True):
        when = (T0 + timedelta(minutes=i)).isoformat().replace("+00:00", "Z")
        real = f"https://news.example/acme-{i}"
        link = escape(f"https://www.google.com/url?rct=j&sa=t&url={real}&ct=ga&usg=x")
        entries.append(
            f"<entry><id>tag:google.com,2013:googlealerts/feed:{1000 + i}</id>"
            f'<title type="html">&lt;b&gt;Acme&lt;/b&gt; corp story {i}</title>'
            f'<link href="{link}"/><published>{when}</published><updated>{when}</updated>'
            f'<content type="html">acme corp news {i} &amp;nbsp;...</content></entry>'
        )
    newest = (T0 + timedelta(minutes=max(ids))).isoformat().replace("+00:00", "Z")
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>tag:contract</id><title>Google Alert - acme</title><updated>{newest}</updated>"
        + "".join(entries)
        + "</feed>"
    )


def _first(_tmp: Path, replay: Any) -> int:
    replay.add_response("GET", PATH, body=atom(range(0, 10)), content_type=ATOM, headers={"ETag": '"v1"'})
    return 10


def _more(_tmp: Path, replay: Any) -> int:
    replay.add_response("GET", PATH, body=atom(range(0, 14)), content_type=ATOM, headers={"ETag": '"v2"'})
    return 4


def _nothing_new(_tmp: Path, replay: Any) -> None:
    replay.add_response("GET", PATH, status=304, headers={"ETag": '"v2"'})


def _broken(_tmp: Path, replay: Any) -> None:
    replay.add_response(
        "GET", PATH, body="<html><body><h1>Service unavailable</h1></body></html>", content_type="text/html"
    )


CASE = Case(
    type="rss",
    source_toml=lambda _tmp, replay: (
        f'type = "rss"\nbase_url = "{replay.url}"\nurl = "https://www.google.com{PATH}"\nmatch = "scoped"\n'
    ),
    first=_first,
    more=_more,
    nothing_new=_nothing_new,
    broken=_broken,
    uses_replay=True,
)
