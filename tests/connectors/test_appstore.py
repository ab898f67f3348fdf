"""The appstore connector against the replay server: Apple's customer-reviews feed (JSON).

The real recording (../shared/data/recordings/appstore, a 2020 capture of one Japanese app's page 1)
is read in place and skipped when absent. Everything else (tests/fixtures/appstore/ and the
`tests.support.contract_appstore` builders) is synthetic and says so. Time is injected: nothing sleeps.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.appstore import Options, build
from connectors.appstore.connector import AppStoreConnector
from connectors.appstore.mapping import CURSOR, app_url
from connectors.base import UnreadableCursor
from connectors.errors import ConfigError, ConnectorError, PayloadError, RateLimited, TransientError
from connectors.http import HttpPolicy
from connectors.query import parse_query
from connectors.spec import SourceSpec
from connectors.types import BrandQuery, Page
from tests.conftest import shared_path
from tests.support.contract_appstore import APP_ID, app_metadata, entry, feed, page_path
from tests.support.replay import Interaction, Replay, load_recording

FIXTURES = Path(__file__).parents[1] / "fixtures" / "appstore"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T = datetime(2026, 2, 28, 17, 0, tzinfo=UTC)  # the newest review of the synthetic fixtures (10:00 -07:00)
POLICY = HttpPolicy(connect_timeout=2, read_timeout=5, max_attempts=3, backoff_base=1, time_budget=60)
RECORDED_APP = "1404176564"
RECORDED_PAGE = f"/jp/rss/customerreviews/page=1/id={RECORDED_APP}/sortby=mostrecent/json"


def connector(
    replay: Replay, tmp_path: Path, sleeps: list[float], *, policy: HttpPolicy = POLICY, **options: Any
) -> AppStoreConnector:
    spec = SourceSpec(
        name="ios-reviews",
        type="appstore",
        options=Options(**{"app_id": APP_ID, **options}),
        base_url=replay.url,
        timeout=5,
        base_dir=tmp_path,
        overlap=300.0,
    )
    return AppStoreConnector(spec, policy=policy, sleep=sleeps.append, now=lambda: NOW, rng=random.Random(5))


def fetch(conn: AppStoreConnector, cursor: str | None = None, query: str = "acme") -> list[Page]:
    return list(conn.fetch(BrandQuery("acme", parse_query(query)), cursor))


def recorded(json_path: str = RECORDED_PAGE) -> list[Interaction]:
    """The recording's interaction for `json_path` only (the file also serves the XML variant and the
    captured URL form, which this connector never asks for)."""
    name = "itunes_rss_customerreviews_jp_id1404176564_page1.replay.json"
    interactions = load_recording(shared_path("data", "recordings", "appstore", name))
    return [i for i in interactions if i.path == json_path]


def paths(replay: Replay) -> list[str]:
    return [r.path for r in replay.requests]


# -- the real recording ---------------------------------------------------------------------------


def test_recorded_page_becomes_fifty_reviews(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add(recorded())
    conn = connector(replay, tmp_path, sleeps, app_id=RECORDED_APP, countries=["jp"], max_pages=1)

    (page,) = fetch(conn)

    assert len(page.mentions) == 50 and page.rejected == 0
    first = page.mentions[0]
    assert (first.source, first.native_id, first.source_name) == ("appstore", "jp:6290024630", "ios-reviews")
    assert (first.title, first.author, first.rating) == ("神アプリ", "ヤミ。", 4)
    assert first.text.startswith("とにかく周りの人皆んなが暖かく") and "\n" in first.text
    assert first.url == "https://apps.apple.com/jp/app/id1404176564?see-all=reviews"
    assert first.lang is None  # the feed states no language; the pipeline detects it
    assert first.engagement == 0  # im:voteCount
    assert first.raw["im:version"] == {"label": "3.4.3"}
    assert first.extra == {
        "country": "jp",
        "review_id": "6290024630",
        "app_version": "3.4.3",
        "time_estimated": True,
    }
    # This 2020 capture has no per-review `updated`: the feed's own time (2020-08-07T20:17:03-07:00,
    # when Apple built the page) stands in, and the cursor falls back to review ids.
    assert {m.created_at for m in page.mentions} == {datetime(2020, 8, 8, 3, 17, 3, tzinfo=UTC)}
    assert json.loads(page.cursor) == {"jp": {"updated": None, "id": "6290024630"}}
    assert len({m.native_id for m in page.mentions}) == 50
    assert paths(replay) == [RECORDED_PAGE] and sleeps == []


def test_recorded_page_again_from_its_cursor_is_nothing_new(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add(recorded())
    replay.add(recorded())
    conn = connector(replay, tmp_path, sleeps, app_id=RECORDED_APP, countries=["jp"])
    cursor = json.dumps({"jp": {"updated": None, "id": "6290024630"}})

    assert fetch(conn, cursor) == []  # every review id is at or below the cursor's: stop after page 1
    assert paths(replay) == [RECORDED_PAGE]

    newer = json.dumps({"jp": {"updated": None, "id": "6200000000"}})
    pages = fetch(conn, newer)  # ids above 6200000000 are new, the page ends below it: stop there
    assert len(replay.requests) == 2
    (page,) = pages
    assert all(int(m.extra["review_id"]) > 6200000000 for m in page.mentions) and page.mentions
    assert json.loads(page.cursor)["jp"]["id"] == "6290024630"


def test_recorded_atom_body_where_json_is_expected_is_a_payload_error(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    xml = recorded(RECORDED_PAGE.replace("/json", "/xml"))
    replay.add([dataclasses.replace(i, path=RECORDED_PAGE) for i in xml])
    conn = connector(replay, tmp_path, sleeps, app_id=RECORDED_APP, countries=["jp"])

    with pytest.raises(PayloadError, match="body is not JSON") as info:
        fetch(conn)
    assert str(info.value).startswith("ios-reviews: ") and "<?xml" in str(info.value)


# -- the feed's quirks, paging and cursors (synthetic fixtures) -----------------------------------


def test_two_pages_skip_app_metadata_and_read_a_lone_entry(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    replay.add_file(FIXTURES / "two_pages.replay.json")
    conn = connector(replay, tmp_path, sleeps)

    first, second = fetch(conn)

    assert [m.native_id for m in first.mentions] == ["us:11000000004", "us:11000000003", "us:11000000002"]
    assert first.rejected == 0 and caplog.text == ""  # the metadata entry is not a broken review
    happy = first.mentions[0]
    assert (happy.title, happy.author, happy.rating) == ("Great update", "sunny_day", 5)
    assert happy.text == "Love the new acme widgets!\nWorks great."
    assert happy.created_at == T and happy.extra["app_version"] == "4.2.0"
    assert "time_estimated" not in happy.extra and happy.engagement == 2
    assert [m.native_id for m in second.mentions] == ["us:11000000001"]
    assert second.mentions[0].rating == 2
    # First poll: page 1 resumes from the oldest review it stored; the last page from the newest.
    assert json.loads(first.cursor) == {
        "us": {"updated": (T - timedelta(hours=5)).isoformat(), "id": "11000000002"}
    }
    assert json.loads(second.cursor) == {"us": {"updated": T.isoformat(), "id": "11000000004"}}
    assert paths(replay) == [page_path(1), page_path(2)]  # rel=last says page 2 is the end


def test_resume_reads_until_the_cursor_minus_the_overlap(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    entries = [
        entry(12, T + timedelta(hours=1)),
        entry(11, T + timedelta(minutes=10)),
        entry(10, T),  # the cursor's own review: inside the overlap, sent again (the store dedupes)
        entry(9, T - timedelta(minutes=4)),  # inside the 5-minute overlap
        entry(8, T - timedelta(minutes=6)),  # older: already stored, and everything after it too
        entry(7, T - timedelta(hours=1)),
    ]
    replay.add_response("GET", page_path(1), json=feed(entries, last=10))
    conn = connector(replay, tmp_path, sleeps)
    cursor = json.dumps({"us": {"updated": T.isoformat(), "id": "10"}})

    (page,) = fetch(conn, cursor)

    assert [m.native_id for m in page.mentions] == ["us:12", "us:11", "us:10", "us:9"]
    assert json.loads(page.cursor) == {"us": {"updated": (T + timedelta(hours=1)).isoformat(), "id": "12"}}
    assert paths(replay) == [page_path(1)]  # reached the cursor: page 2 is not asked for


def test_countries_have_their_own_cursor_and_ids(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response("GET", page_path(1, "us"), json=feed([entry(5, T), entry(4, T - timedelta(hours=2))]))
    replay.add_response("GET", page_path(1, "gb"), json=feed([entry(5, T)], country="gb"))
    conn = connector(replay, tmp_path, sleeps, countries=["US", "gb", "us"])
    old = {
        "us": {"updated": (T - timedelta(hours=1)).isoformat(), "id": "4"},
        "de": {"updated": None, "id": "1"},
    }

    us, gb = fetch(conn, json.dumps(old))

    assert [m.native_id for m in us.mentions] == ["us:5"]  # us:4 is older than the overlap
    assert [m.native_id for m in gb.mentions] == ["gb:5"]  # the same number in another storefront
    assert gb.mentions[0].url == app_url("gb", APP_ID)
    after_us = json.loads(us.cursor)
    assert after_us["us"] == {"updated": T.isoformat(), "id": "5"} and "gb" not in after_us
    assert after_us["de"] == old["de"]  # a storefront no longer configured keeps its mark
    assert json.loads(gb.cursor)["gb"] == {"updated": T.isoformat(), "id": "5"}
    assert paths(replay) == [page_path(1, "us"), page_path(1, "gb")]


def test_more_pages_than_max_pages_is_a_warning(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    for number in (1, 2):
        start = T - timedelta(hours=number)
        replay.add_response("GET", page_path(number), json=feed([entry(100 - number, start)], last=10))
    conn = connector(replay, tmp_path, sleeps, max_pages=2)
    cursor = json.dumps({"us": {"updated": (T - timedelta(days=3)).isoformat(), "id": "1"}})

    first, second = fetch(conn, cursor)

    assert json.loads(first.cursor) == json.loads(cursor)  # not done yet: the cursor stays
    assert json.loads(second.cursor)["us"]["id"] == "99"
    assert "ios-reviews: more than 2 pages of us reviews since the last poll" in caplog.text


def test_entries_without_their_own_time_use_the_feeds(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    built = T + timedelta(minutes=30)
    replay.add_response("GET", page_path(1), json=feed([entry(3, None), entry(2, T)], updated=built))
    (page,) = fetch(connector(replay, tmp_path, sleeps))

    estimated, timed = page.mentions
    assert estimated.created_at == built and estimated.extra["time_estimated"] is True
    assert timed.created_at == T and "time_estimated" not in timed.extra
    assert json.loads(page.cursor) == {"us": {"updated": T.isoformat(), "id": "3"}}


def test_html_content_is_turned_into_text(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    item = entry(3, T)
    item["content"] = {"label": "<p>Great <b>acme</b> app &amp; more</p>", "attributes": {"type": "html"}}
    replay.add_response("GET", page_path(1), json=feed(item))
    (page,) = fetch(connector(replay, tmp_path, sleeps))
    assert page.mentions[0].text == "Great acme app & more"


def test_empty_feed_yields_nothing(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "empty.replay.json")
    assert fetch(connector(replay, tmp_path, sleeps)) == []


def test_empty_feed_on_resume_keeps_the_cursor(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response("GET", page_path(1), json=feed(None, last=None))
    replay.add_response("GET", page_path(1, "gb"), json=feed([entry(1, T)], country="gb"))
    cursor = json.dumps({"us": {"updated": T.isoformat(), "id": "7"}})

    (page,) = fetch(connector(replay, tmp_path, sleeps, countries=["us", "gb"]), cursor)

    assert json.loads(page.cursor)["us"] == {"updated": T.isoformat(), "id": "7"}
    assert [m.native_id for m in page.mentions] == ["gb:1"]


def test_only_the_metadata_entry_is_an_empty_feed(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_response("GET", page_path(1), json=feed(app_metadata(), last=1))
    assert fetch(connector(replay, tmp_path, sleeps)) == []


def test_malformed_entries_are_logged_and_skipped(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="connectors.appstore")
    replay.add_file(FIXTURES / "missing_fields.replay.json")

    (page,) = fetch(connector(replay, tmp_path, sleeps))

    assert [m.native_id for m in page.mentions] == ["us:11000000010", "us:11000000004"]
    assert page.rejected == 6
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 6 and all(line.startswith("ios-reviews: skipped ") for line in lines)
    text = "\n".join(lines)
    assert "review 11000000009 of us page 1: im:rating is str '7', not a star rating 1-5" in text
    assert "review 11000000008 of us page 1: content is missing, not text" in text
    assert "review not-a-number of us page 1: id is str 'not-a-number', not a string of digits" in text
    assert "updated str 'yesterday' is not an ISO 8601 time" in text
    assert "review 11000000005 of us page 1: im:rating is missing" in text
    assert "entry 7 of us page 1: entry is str 'not an entry', not an object" in text


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('{"feed": {"entry": [', "body is not JSON"),
        ("[]", r"expected Apple's customer-reviews feed \({'feed': ...}\), got list"),
        ('{"errors": ["bad"]}', r"expected Apple's customer-reviews feed .*got keys \['errors'\]"),
        ('{"feed": {"entry": "x"}}', "feed.entry is str, not a list or an object"),
    ],
    ids=["truncated", "a-list", "no-feed", "entry-is-text"],
)
def test_malformed_feeds_raise_payload_error(
    replay: Replay, tmp_path: Path, sleeps: list[float], body: str, match: str
) -> None:
    replay.add_response("GET", page_path(1), body=body, content_type="application/json")
    with pytest.raises(PayloadError, match=match) as info:
        fetch(connector(replay, tmp_path, sleeps))
    assert str(info.value).startswith("ios-reviews: ")


def test_html_error_page_is_a_payload_error(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "html_error.replay.json")
    with pytest.raises(PayloadError, match=r"content-type text/html.*starts with \"<!DOCTYPE html>"):
        fetch(connector(replay, tmp_path, sleeps))


# -- HTTP failures ---------------------------------------------------------------------------------


def test_429_with_retry_after_is_waited_for(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "rate_limited.replay.json")
    (page,) = fetch(connector(replay, tmp_path, sleeps))
    assert sleeps == [20.0] and page.mentions[0].text == "acme after the wait"


def test_429_past_the_budget_defers_the_poll(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response("GET", page_path(1), status=429, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimited) as info:
        fetch(connector(replay, tmp_path, sleeps))
    assert info.value.retry_after == 3600.0 and sleeps == [] and len(replay.requests) == 1


def test_503_storm_makes_exactly_max_attempts_requests(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    for _ in range(POLICY.max_attempts):
        replay.add_response("GET", page_path(1), status=503, body="", content_type="text/html")
    with pytest.raises(TransientError, match="failed after 3 attempts: HTTP 503"):
        fetch(connector(replay, tmp_path, sleeps))
    assert len(replay.requests) == POLICY.max_attempts and len(sleeps) == POLICY.max_attempts - 1


def test_unknown_storefront_404_is_a_connector_error(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_response("GET", page_path(1, "zz"), status=404, body="Not Found", content_type="text/plain")
    with pytest.raises(ConnectorError, match="HTTP 404"):
        fetch(connector(replay, tmp_path, sleeps, countries=["zz"]))


# -- options, cursors, construction ---------------------------------------------------------------


def test_source_filter_excluding_appstore_fetches_nothing(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert fetch(connector(replay, tmp_path, sleeps), query="acme -source:appstore") == []
    assert replay.requests == [] and "filters exclude appstore" in caplog.text


def test_unreadable_cursor_reads_as_a_first_poll(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_response("GET", page_path(1), json=feed([entry(2, T)]))
    (page,) = fetch(connector(replay, tmp_path, sleeps), "not json")
    assert [m.native_id for m in page.mentions] == ["us:2"]
    assert "ios-reviews: unreadable cursor 'not json'" in caplog.text


def test_cursor_loading_tolerates_partial_marks() -> None:
    assert CURSOR.read(None) == {}
    for unreadable in ("[1]", "{"):
        with pytest.raises(UnreadableCursor):
            CURSOR.read(unreadable)
    marks = CURSOR.read(json.dumps({"us": {"updated": "2026-01-01T00:00:00+00:00", "id": None}, "gb": 3}))
    assert marks is not None and set(marks) == {"us"} and marks["us"].review_id is None


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"app_id": 1404176564}, "1404176564"),
        ({"app_id": "id1404176564"}, "1404176564"),
        ({"app_id": " 42 "}, "42"),
    ],
)
def test_app_id_forms(options: dict[str, Any], expected: str) -> None:
    assert Options(**options).app_id == expected


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"app_id": "acme"}, "numeric id"),
        ({"app_id": "123", "countries": ["usa"]}, "two-letter country code"),
        ({"app_id": "123", "countries": []}, "at least one country"),
        ({"app_id": "123", "max_pages": 11}, "less than or equal to 10"),
        ({"app_id": "123", "page_size": 5}, "Extra inputs are not permitted"),
        ({}, "app_id"),
    ],
)
def test_options_are_validated(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        Options(**options)


def test_defaults_and_build(tmp_path: Path) -> None:
    options = Options(app_id="123")
    assert options.countries == ["us"] and options.max_pages == 10
    conn = build(SourceSpec(name="ios", type="appstore", options=options, base_dir=tmp_path))
    assert conn.client.base_url == "https://itunes.apple.com"


def test_base_url_must_be_http(tmp_path: Path) -> None:
    spec = SourceSpec(
        name="ios", type="appstore", options=Options(app_id="1"), base_url="ftp://x", base_dir=tmp_path
    )
    with pytest.raises(ConfigError, match="base_url must be an http"):
        build(spec)


def test_hostile_ids_reach_the_log_as_one_short_line(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="connectors.appstore")
    bad = {**entry(1, T), "id": {"label": "\x1b[31m12\nERROR forged line " + "x" * 200}}
    replay.add_response("GET", page_path(1), json=feed([entry(2, T), bad]))

    (page,) = fetch(connector(replay, tmp_path, sleeps))

    assert page.rejected == 1
    (line,) = [r.getMessage() for r in caplog.records]
    assert "\n" not in line and "\x1b" not in line and "x" * 60 not in line
