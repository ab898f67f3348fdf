"""The rss connector: our HttpClient fetching from the replay server, feedparser parsing the bytes.

The Google Alerts and YouTube channel feeds are real (feedjira's sample feeds, bare bodies in
../shared/data/recordings/rss, read in place; skipped when absent), served with `add_response`.
The other feeds (tests/fixtures/rss/ and the small ones written below) are synthetic and say so.
Time is injected: nothing sleeps.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.errors import ConnectorError, PayloadError, RateLimited, TransientError
from connectors.http import HttpPolicy
from connectors.query import parse_query
from connectors.rss import Options, build
from connectors.rss.connector import RssConnector
from connectors.rss.mapping import CURSOR, Cursor, native_id, unwrap_link
from connectors.spec import SourceSpec
from connectors.types import BrandQuery, Page
from tests.conftest import shared_path
from tests.support.replay import Replay

FIXTURES = Path(__file__).parents[1] / "fixtures" / "rss"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = HttpPolicy(connect_timeout=2, read_timeout=5, max_attempts=4, backoff_base=1, time_budget=120)
ATOM = "application/atom+xml"
ALERT_PATH = "/alerts/feeds/04175468913983673025/4428013283581841004"
ALERT_URL = f"https://www.google.com{ALERT_PATH}"
NEWS_PATH = "/feeds/acme.rss"
NEWS_URL = f"https://news.example{NEWS_PATH}?lang=en"


def recording(name: str) -> bytes:
    return shared_path("data", "recordings", "rss", name).read_bytes()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def connector(
    replay: Replay,
    tmp_path: Path,
    sleeps: list[float],
    *,
    base_url: str | None = "replay",
    now: datetime = NOW,
    policy: HttpPolicy = POLICY,
    **options: Any,
) -> RssConnector:
    options.setdefault("url", ALERT_URL)
    spec = SourceSpec(
        name="feed-main",
        type="rss",
        options=Options(**options),
        base_url=replay.url if base_url == "replay" else base_url,
        timeout=5,
        base_dir=tmp_path,
        overlap=300.0,
    )
    return RssConnector(spec, policy=policy, sleep=sleeps.append, now=lambda: now, rng=random.Random(3))


def fetch(conn: RssConnector, cursor: str | None = None, query: str = "acme") -> list[Page]:
    return list(conn.fetch(BrandQuery("acme", parse_query(query)), cursor))


def atom(*entries: tuple[str, datetime | None], lang: str | None = None) -> str:
    """A small synthetic Atom feed (written for these tests): (id, published) per entry; the
    entry's id is `tag:test,2026:<id>` (see `ids`)."""
    body = []
    for ident, when in entries:
        date = f"<published>{when.isoformat()}</published>" if when else ""
        body.append(
            f"<entry><id>tag:test,2026:{ident}</id><title>acme {ident}</title>"
            f'<link href="https://blog.example/{ident}"/>{date}<summary>about acme</summary></entry>'
        )
    xml_lang = f' xml:lang="{lang}"' if lang else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?><!-- comment: synthetic feed written for tests -->'
        f'<feed xmlns="http://www.w3.org/2005/Atom"{xml_lang}><id>tag:t</id><title>t</title>'
        + "".join(body)
        + "</feed>"
    )


def ids(page: Page) -> list[str]:
    """The short ids of the mentions of a feed written by `atom`."""
    return [m.native_id.removeprefix("tag:test,2026:") for m in page.mentions]


# -- the real recordings --------------------------------------------------------------------------


def test_recorded_google_alerts_feed(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response(
        "GET",
        ALERT_PATH,
        body=recording("google_alerts_atom.xml"),
        content_type=ATOM,
        headers={"ETag": 'W/"alert-v1"', "Last-Modified": "Wed, 10 Jul 2019 11:53:37 GMT"},
    )
    conn = connector(replay, tmp_path, sleeps)

    (page,) = fetch(conn)

    assert len(page.mentions) == 20 and page.rejected == 0
    first = page.mentions[0]
    assert (first.source, first.source_name, first.brand) == ("rss", "feed-main", "acme")
    assert first.native_id == "tag:google.com,2013:googlealerts/feed:8974135267215335962"
    # The <b> markup of the title is gone; the link is the article, not Google's redirect.
    assert first.title == (
        "Report offers Prediction of Automotive Slack Market by Top key players like Haldex, Meritor, "
        "Bendix ..."
    )
    assert first.url == (
        "https://www.aglobalmarketresearch.com/report-offers-prediction-of-automotive-slack-market-by-top-"
        "key-players-like-haldex-meritor-bendix-mei-wabco-accuride-stemco-tbk-febi-aydinsan/"
    )
    assert first.text.startswith("Automotive Slack Market reports provides a comprehensive overview")
    assert first.text.endswith("strategists, marketers and senior ...")  # &nbsp; became a space
    assert first.created_at == datetime(2019, 7, 10, 11, 53, 37, tzinfo=UTC)
    assert first.author is None and first.lang is None  # the alert names neither
    assert first.raw["id"] == first.native_id and "published_parsed" not in first.raw
    assert all(m.url and "google.com/url" not in m.url for m in page.mentions)
    assert [m.created_at for m in page.mentions] == sorted(
        (m.created_at for m in page.mentions), reverse=True
    )
    assert CURSOR.read(page.cursor) == Cursor(
        'W/"alert-v1"', "Wed, 10 Jul 2019 11:53:37 GMT", datetime(2019, 7, 10, 11, 53, 37, tzinfo=UTC)
    )
    (request,) = replay.requests
    assert request.path == ALERT_PATH and request.query == {}
    assert "application/atom+xml" in request.headers["accept"]
    assert "if-none-match" not in request.headers and "if-modified-since" not in request.headers
    assert sleeps == []


def test_recorded_youtube_channel_feed_is_read_despite_its_bozo_flag(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_response("GET", "/feeds/videos.xml", body=recording("youtube_atom.xml"), content_type=ATOM)
    conn = connector(replay, tmp_path, sleeps, url="https://www.youtube.com/feeds/videos.xml?user=google")

    with caplog.at_level(logging.WARNING, logger="connectors.rss"):
        (page,) = fetch(conn)

    # The file starts with a blank line before its XML declaration: feedparser flags it (bozo)
    # and still reads all 15 entries.
    assert len(page.mentions) == 15 and page.rejected == 0
    assert "not well-formed" in caplog.text and "feed-main" in caplog.text and "15 entries" in caplog.text
    first = page.mentions[0]
    assert first.native_id == "yt:video:5shykyfmb28"
    assert first.title == "The Google app: Questions Title" and first.author == "Google"
    assert first.url == "http://www.youtube.com/watch?v=5shykyfmb28"
    assert first.text.startswith("A question is the most powerful force in the world.")
    assert first.created_at == datetime(2015, 5, 4, 0, 1, 27, tzinfo=UTC)  # published, not updated
    assert first.reach == 251497  # media:statistics views
    assert replay.requests[0].query == {"user": "google"}


# -- conditional GET and cursor resume ------------------------------------------------------------


def test_conditional_get_sends_the_validators_and_a_304_yields_nothing(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    cursor = CURSOR.dump(Cursor('"v7"', "Sun, 01 Mar 2026 11:00:00 GMT", NOW - timedelta(hours=1)))
    replay.add_response("GET", ALERT_PATH, status=304, headers={"ETag": '"v7"'})

    assert fetch(connector(replay, tmp_path, sleeps), cursor) == []

    (request,) = replay.requests
    assert request.headers["if-none-match"] == '"v7"'
    assert request.headers["if-modified-since"] == "Sun, 01 Mar 2026 11:00:00 GMT"


def test_resume_returns_only_newer_entries(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    t = NOW - timedelta(hours=3)
    first_feed = atom(("a", t), ("b", t - timedelta(hours=1)))
    replay.add_response("GET", ALERT_PATH, body=first_feed, content_type=ATOM, headers={"ETag": '"1"'})
    newer = atom(("c", t + timedelta(hours=1)), ("a", t), ("b", t - timedelta(hours=1)))
    replay.add_response("GET", ALERT_PATH, body=newer, content_type=ATOM, headers={"ETag": '"2"'})
    conn = connector(replay, tmp_path, sleeps)

    (first,) = fetch(conn)
    (second,) = fetch(conn, first.cursor)

    assert ids(first) == ["a", "b"]
    # "a" is the cursor's own entry (inside the overlap window; the store drops it), "b" is older.
    assert ids(second) == ["c", "a"]
    assert CURSOR.read(second.cursor) == Cursor('"2"', None, t + timedelta(hours=1))
    assert replay.requests[1].headers["if-none-match"] == '"1"'


def test_a_changed_feed_with_nothing_new_stores_the_new_validators(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    t = NOW - timedelta(hours=3)
    old = CURSOR.dump(Cursor('"1"', None, t))
    replay.add_response(
        "GET",
        ALERT_PATH,
        body=atom(("b", t - timedelta(hours=1))),
        content_type=ATOM,
        headers={"ETag": '"2"'},
    )
    (page,) = fetch(connector(replay, tmp_path, sleeps), old)
    assert page.mentions == () and CURSOR.read(page.cursor) == Cursor('"2"', None, t)


def test_undated_entries_get_the_fetch_time_and_do_not_move_the_cursor(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    dated = NOW - timedelta(days=1)
    replay.add_response("GET", ALERT_PATH, body=atom(("undated", None), ("dated", dated)), content_type=ATOM)
    (page,) = fetch(connector(replay, tmp_path, sleeps))
    by_id = dict(zip(ids(page), page.mentions, strict=True))
    assert by_id["undated"].created_at == NOW
    assert CURSOR.read(page.cursor) == Cursor(None, None, dated)


def test_a_future_date_does_not_push_the_cursor_past_now(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_response("GET", ALERT_PATH, body=atom(("future", NOW + timedelta(days=2))), content_type=ATOM)
    (page,) = fetch(connector(replay, tmp_path, sleeps))
    assert page.mentions[0].created_at == NOW + timedelta(days=2)  # as the feed says
    assert CURSOR.read(page.cursor) == Cursor(None, None, NOW)


def test_max_entries_keeps_the_newest(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    entries = [(f"e{i}", NOW - timedelta(minutes=i)) for i in (3, 1, 2, 0)]
    replay.add_response("GET", ALERT_PATH, body=atom(*entries), content_type=ATOM)
    with caplog.at_level(logging.INFO, logger="connectors.rss"):
        (page,) = fetch(connector(replay, tmp_path, sleeps, max_entries=2))
    assert ids(page) == ["e0", "e1"]
    assert "max_entries" in caplog.text


def test_an_unreadable_cursor_reads_as_a_first_poll(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_response("GET", ALERT_PATH, body=atom(("a", NOW)), content_type=ATOM)
    with caplog.at_level(logging.WARNING):
        (page,) = fetch(connector(replay, tmp_path, sleeps), "[1, 2]")
    assert len(page.mentions) == 1 and "unreadable cursor" in caplog.text
    assert "if-none-match" not in replay.requests[0].headers


# -- mapping --------------------------------------------------------------------------------------


def test_rss2_entries_map_and_malformed_ones_are_skipped(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_response("GET", NEWS_PATH, body=fixture("news_rss2.xml"), content_type="application/rss+xml")
    conn = connector(replay, tmp_path, sleeps, url=NEWS_URL)

    with caplog.at_level(logging.WARNING, logger="connectors.rss"):
        (page,) = fetch(conn)

    by_id = {m.native_id: m for m in page.mentions}
    assert page.rejected == 2  # no id and no link; no title and no text
    skipped = [r.getMessage() for r in caplog.records]
    assert len(skipped) == 2 and all(s.startswith("feed-main: skipped") for s in skipped)
    assert any("no id and no link" in s for s in skipped)
    assert any("news-example-1008" in s and "no title and no text" in s for s in skipped)

    ships = by_id["news-example-1001"]  # listed twice: the first listing is kept
    assert ships.title == "Acme & partners ship the new app"
    assert ships.text == "Customers love it.\n\nSecond paragraph here."
    assert ships.author == "Jane Writer" and ships.lang == "en"  # <language>en-US</language>
    assert ships.created_at == datetime(2026, 3, 1, 10, 30, tzinfo=UTC)  # 11:30 +0100
    assert ships.url == "https://news.example/acme-ships"

    outage = by_id["https://news.example/acme-outage"]  # no guid: the link is the id
    assert outage.text == "The acme app was down for hours." and outage.author is None

    assert by_id["news-example-1003"].created_at == NOW  # undated: the fetch time

    headline = by_id["news-example-1004"]  # only a title: it is the text, not repeated as title
    assert (headline.text, headline.title) == ("Acme headline only", None)
    assert headline.url is None  # a javascript: link is never kept

    (long_id,) = [m for m in page.mentions if m.native_id.startswith("sha256:")]
    assert len(long_id.native_id) == 71 and long_id.raw["id"].startswith("urn:news-example:xxx")
    assert long_id.native_id == native_id({"id": long_id.raw["id"]})  # stable

    assert len(page.mentions) == 5
    (request,) = replay.requests
    assert request.path == NEWS_PATH and request.query == {"lang": "en"}


def test_a_truncated_feed_with_entries_is_read_with_a_warning(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_response("GET", ALERT_PATH, body=fixture("truncated_atom.xml"), content_type=ATOM)
    with caplog.at_level(logging.WARNING, logger="connectors.rss"):
        (page,) = fetch(connector(replay, tmp_path, sleeps))

    assert [m.native_id for m in page.mentions] == [
        "tag:blog.example,2026:post-2",
        "tag:blog.example,2026:post-1",
    ]
    assert page.rejected == 1  # the cut-off entry has no title and no text
    post2, post1 = page.mentions
    assert (post2.text, post2.author, post2.lang) == ("Ich mag acme.", "Blogger", "de")
    assert post1.text == "Zweiter Beitrag." and post1.created_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert "not well-formed" in caplog.text


def test_google_redirects_are_unwrapped_and_other_links_kept() -> None:
    assert unwrap_link("https://www.google.com/url?rct=j&sa=t&url=https://a.example/x%3Fy%3D1&ct=ga") == (
        "https://a.example/x?y=1"
    )
    assert unwrap_link("https://www.google.co.uk/url?q=http://b.example/&sa=U") == "http://b.example/"
    assert unwrap_link("https://www.google.com/url?url=javascript:alert(1)") == (
        "https://www.google.com/url?url=javascript:alert(1)"
    )
    assert unwrap_link("https://notgoogle.example/url?url=https://a.example/") == (
        "https://notgoogle.example/url?url=https://a.example/"
    )
    assert unwrap_link("  ") is None and unwrap_link(None) is None and unwrap_link("data:text/html,x") is None


# -- errors ---------------------------------------------------------------------------------------


def test_an_html_page_is_a_payload_error(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    page = "<!DOCTYPE html><html><head><title>Sign in</title></head><body><p>Please sign in</p></body></html>"
    replay.add_response("GET", ALERT_PATH, body=page, content_type="text/html; charset=utf-8")
    with pytest.raises(PayloadError) as err:
        fetch(connector(replay, tmp_path, sleeps))
    message = str(err.value)
    assert message.startswith("feed-main: GET ") and "the response is not a feed" in message
    assert "text/html" in message and "Please sign in" in message and err.value.source == "feed-main"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ('<?xml version="1.0"?><rss version="2.0"><channel><title>x</ti', "not well-formed"),
        ('{"items": []}', "not well-formed"),
        ("", "not RSS or Atom"),
    ],
    ids=["truncated-before-any-entry", "json", "empty-body"],
)
def test_a_malformed_feed_without_entries_is_a_payload_error(
    replay: Replay, tmp_path: Path, sleeps: list[float], body: str, why: str
) -> None:
    replay.add_response("GET", ALERT_PATH, body=body, content_type="application/xml")
    with pytest.raises(PayloadError, match=why):
        fetch(connector(replay, tmp_path, sleeps))


def test_a_body_naming_a_local_file_is_not_read_as_one(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    # Given bytes, feedparser tries them as a file name first; the connector hands it a stream.
    local = tmp_path / "local.xml"
    local.write_text(atom(("secret-local-entry", NOW)), encoding="utf-8")
    replay.add_response("GET", ALERT_PATH, body=str(local), content_type="text/plain")
    with pytest.raises(PayloadError):
        fetch(connector(replay, tmp_path, sleeps))


def test_an_empty_feed_yields_no_mentions(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response("GET", ALERT_PATH, body=atom(), content_type=ATOM, headers={"ETag": '"e"'})
    (page,) = fetch(connector(replay, tmp_path, sleeps))
    assert page.mentions == () and CURSOR.read(page.cursor) == Cursor('"e"', None, None)


def test_429_waits_for_retry_after_then_reads(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response("GET", ALERT_PATH, status=429, headers={"Retry-After": "4"}, body="slow down")
    replay.add_response("GET", ALERT_PATH, body=atom(("a", NOW)), content_type=ATOM)
    (page,) = fetch(connector(replay, tmp_path, sleeps))
    assert len(page.mentions) == 1 and sleeps == [4.0]


def test_429_beyond_the_budget_defers(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response("GET", ALERT_PATH, status=429, headers={"Retry-After": "7200"}, body="slow down")
    with pytest.raises(RateLimited) as err:
        fetch(connector(replay, tmp_path, sleeps))
    assert err.value.retry_after == 7200 and sleeps == []


def test_a_5xx_storm_is_transient_and_a_token_in_the_url_stays_secret(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    secret = "tw-feed-token-8c1f2e"
    for _ in range(4):
        replay.add_response("GET", "/rss/alerts", status=502, body=f"<html>bad gateway token={secret}</html>")
    conn = connector(
        replay, tmp_path, sleeps, url=f"https://alerts.talkwalker.example/rss/alerts?token={secret}"
    )

    with caplog.at_level(logging.DEBUG, logger="connectors"), pytest.raises(TransientError) as err:
        fetch(conn)

    assert not isinstance(err.value, RateLimited) and len(sleeps) == 3
    assert "token=REDACTED" in str(err.value)
    connector_lines = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("connectors"))
    assert secret not in str(err.value) and secret not in connector_lines


def test_a_404_is_a_connector_error(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response("GET", ALERT_PATH, status=404, body="Not Found")
    with pytest.raises(ConnectorError, match="HTTP 404"):
        fetch(connector(replay, tmp_path, sleeps))


def test_a_query_excluding_rss_fetches_nothing(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    assert fetch(connector(replay, tmp_path, sleeps), query="acme source:reddit") == []
    assert replay.requests == []


# -- settings -------------------------------------------------------------------------------------


def test_without_base_url_the_feed_url_is_fetched_as_given(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_response("GET", "/blog/feed.xml", body=atom(("a", NOW)), content_type=ATOM)
    conn = connector(replay, tmp_path, sleeps, base_url=None, url=f"{replay.url}/blog/feed.xml?x=1")
    (page,) = fetch(conn)
    assert len(page.mentions) == 1 and replay.requests[0].query == {"x": "1"}


def test_base_url_with_a_prefix_keeps_the_feed_path_under_it(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_response("GET", f"/proxy{ALERT_PATH}", body=atom(("a", NOW)), content_type=ATOM)
    (page,) = fetch(connector(replay, tmp_path, sleeps, base_url=f"{replay.url}/proxy/"))
    assert len(page.mentions) == 1


def test_options() -> None:
    with pytest.raises(ValidationError, match="http"):
        Options(url="file:///etc/passwd")
    with pytest.raises(ValidationError, match="http"):
        Options(url="not a url")
    with pytest.raises(ValidationError):
        Options(url=ALERT_URL, max_entries=0)
    with pytest.raises(ValidationError):
        Options(url=ALERT_URL, etag="x")
    assert Options(url=f" {ALERT_URL} ").url == ALERT_URL and Options(url=ALERT_URL).max_entries == 200


def test_build_fetches_from_the_feed_host(tmp_path: Path) -> None:
    conn = build(SourceSpec(name="feed-main", type="rss", options=Options(url=NEWS_URL), base_dir=tmp_path))
    assert conn.client.url_for(conn._path) == NEWS_URL
