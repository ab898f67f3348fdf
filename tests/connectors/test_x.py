"""The x connector: the real tweepy.Client against the replay server.

tweepy hard-codes https://api.twitter.com; the transport adapter on `Client.session` sends its requests
to the replay server. Recordings come from tweepy's own cassettes (../shared/data/recordings/x, read in
place; skipped when absent); responses written here (tests/fixtures/x/ and `add_response`) are
synthetic and labelled so, since no tweepy cassette holds a 429. Time is injected: nothing sleeps.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    PayloadError,
    RateLimited,
    TransientError,
)
from connectors.http import HttpPolicy
from connectors.query import parse_query
from connectors.spec import SourceSpec
from connectors.types import BrandQuery, Page
from connectors.x import Options, build
from connectors.x.connector import XConnector
from connectors.x.mapping import snowflake_id_at, snowflake_time, x_search_query
from tests.conftest import shared_path
from tests.support.replay import Replay, load_recording

FIXTURES = Path(__file__).parents[1] / "fixtures" / "x"
TOKEN = "AAAAAAAAAAAAAAAAAAAAAbearer%2Fsecret-Tq93"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = HttpPolicy(connect_timeout=2, read_timeout=5, max_attempts=4, backoff_base=1, time_budget=120)
SEARCH = "/2/tweets/search/recent"
FIELDS = {
    "expansions": "author_id",
    "tweet.fields": "created_at,lang,public_metrics,conversation_id,author_id",
    "user.fields": "username,public_metrics",
}


def recording(name: str) -> Path:
    return shared_path("data", "recordings", "x", name)


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_X_BEARER_TOKEN", TOKEN)


def connector(
    replay: Replay, tmp_path: Path, sleeps: list[float], *, policy: HttpPolicy = POLICY, **options: Any
) -> XConnector:
    spec = SourceSpec(
        name="x-main",
        type="x",
        options=Options(**options),
        base_url=replay.url,
        timeout=5,
        base_dir=tmp_path,
        overlap=300.0,
    )
    return XConnector(spec, policy=policy, sleep=sleeps.append, now=lambda: NOW, rng=random.Random(3))


def fetch(conn: XConnector, query: str = "acme", cursor: str | None = None) -> list[Page]:
    return list(conn.fetch(BrandQuery("acme", parse_query(query)), cursor))


def retarget(path: Path, to: str) -> list[Any]:
    """A recording's interactions served at another path (same response, another endpoint)."""
    return [dataclasses.replace(i, path=to) for i in load_recording(path)]


# -- the real recordings --------------------------------------------------------------------------


def test_recorded_recent_search(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(recording("test_client_search_recent_tweets.yaml"))
    conn = connector(replay, tmp_path, sleeps)

    (page,) = fetch(conn, 'tweepy OR "acme corp"')

    assert len(page.mentions) == 10 and page.rejected == 0 and page.reads == 10
    first = page.mentions[0]
    assert (first.source, first.native_id, first.source_name) == ("x", "1578516068309794817", "x-main")
    assert first.text == "2022-10-07 22:42:12.637103 tweepy"
    # No tweet.fields were recorded: the time comes from the snowflake id (the text says 22:42:12.637).
    assert first.created_at == datetime(2022, 10, 7, 22, 42, 12, 752000, tzinfo=UTC)
    assert first.url == "https://x.com/i/web/status/1578516068309794817"  # no author expansion recorded
    assert first.author is None and first.engagement is None and first.lang is None
    assert first.raw == {"tweet": page.mentions[0].raw["tweet"], "author": None}
    assert page.cursor == "1578516068309794817"
    (request,) = replay.requests
    assert request.path == SEARCH
    assert request.query == {"query": '(tweepy OR "acme corp") -is:retweet', "max_results": "100", **FIELDS}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert sleeps == []


def test_recorded_users_tweets_as_mentions(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    # The recorded GET /2/users/783214/tweets has the same shape as /2/users/:id/mentions.
    replay.add(retarget(recording("test_client_get_users_tweets.yaml"), "/2/users/783214/mentions"))
    conn = connector(replay, tmp_path, sleeps, mode="mentions", user_id="783214")

    (page,) = fetch(conn)

    assert [m.native_id for m in page.mentions] == ["1577730467436138524", "1565318587736285184"]
    assert page.mentions[0].text.startswith("whoa, it works")
    assert page.cursor == "1577730467436138524"  # the recorded next_token is not followed on a backfill
    (request,) = replay.requests
    assert request.path == "/2/users/783214/mentions"
    assert "query" not in request.query and "since_id" not in request.query


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("testmentionstimeline.json", "/2/users/783214/mentions"),  # v1.1 answered `[]`
        ("testsearchtweets.json", SEARCH),  # v1.1 `statuses` + `search_metadata`
    ],
)
def test_recorded_v1_payload_where_v2_is_expected_is_a_payload_error(
    replay: Replay, tmp_path: Path, sleeps: list[float], name: str, path: str
) -> None:
    replay.add(retarget(recording(name), path))
    mode = {"mode": "mentions", "user_id": "783214"} if "mentions" in path else {}
    conn = connector(replay, tmp_path, sleeps, **mode)

    with pytest.raises(PayloadError, match="expected an X API v2 response") as info:
        fetch(conn)
    assert str(info.value).startswith("x-main: ")


# -- mapping, paging and cursors (synthetic fixtures) ---------------------------------------------


def test_two_pages_with_next_token_and_author_expansions(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_file(FIXTURES / "two_pages.replay.json")
    conn = connector(replay, tmp_path, sleeps, backfill_pages=2)

    first, second = fetch(conn)

    alice = first.mentions[0]
    assert alice.author == "alice" and alice.url == "https://x.com/alice/status/2028000000000000004"
    assert alice.created_at == datetime(2026, 3, 1, 11, 50, tzinfo=UTC)
    assert alice.lang == "en" and alice.engagement == 1 + 2 + 3 + 4 and alice.reach == 1500
    assert alice.raw["author"]["username"] == "alice" and alice.raw["tweet"]["id"] == alice.native_id
    bob = first.mentions[1]
    assert bob.lang is None  # "und": X could not tell; language detection will
    assert bob.engagement == 0 and bob.reach == 20
    unknown_author = second.mentions[1]
    assert unknown_author.author is None and unknown_author.url.endswith("/i/web/status/2028000000000000001")
    assert [r.query.get("next_token") for r in replay.requests] == [
        None,
        "b26v89c19zqg8o3fpzbkk3q3a2lt5a0bqcxh8bkc3rg8t",
    ]
    assert first.cursor == str(2028000000000000003 - 1)  # first poll: resume below what page 1 stored
    assert second.cursor == "2028000000000000004"
    assert (first.reads, second.reads) == (2, 2)


def test_resume_sends_since_id_moved_back_by_the_overlap(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_file(FIXTURES / "empty.replay.json")
    conn = connector(replay, tmp_path, sleeps)
    cursor = snowflake_id_at(NOW - timedelta(hours=1))

    assert fetch(conn, cursor=str(cursor)) == []  # nothing new: no page, the cursor stays

    since = int(replay.requests[0].query["since_id"])
    assert snowflake_time(cursor) - snowflake_time(since) == timedelta(minutes=5)


def test_mentions_page_with_pagination_token(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    page1 = {"data": [{"id": "2028000000000000009", "text": "@acme hi"}], "meta": {"next_token": "tok2"}}
    page2 = {"data": [{"id": "2028000000000000008", "text": "@acme hello"}], "meta": {"result_count": 1}}
    replay.add_response("GET", "/2/users/42/mentions", json=page1)
    replay.add_response("GET", "/2/users/42/mentions", json=page2, query={"pagination_token": "tok2"})
    conn = connector(replay, tmp_path, sleeps, mode="mentions", user_id="42")

    pages = fetch(conn, cursor="2028000000000000001")

    assert [m.native_id for p in pages for m in p.mentions] == ["2028000000000000009", "2028000000000000008"]
    assert pages[0].cursor == "2028000000000000001"  # later poll: page 1 keeps the old cursor
    assert pages[-1].cursor == "2028000000000000009"
    assert "since_id" in replay.requests[0].query


def test_a_cursor_older_than_seven_days_is_not_sent_to_recent_search(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    old = snowflake_id_at(NOW - timedelta(days=9))
    newer = snowflake_id_at(NOW - timedelta(hours=2))
    older = snowflake_id_at(NOW - timedelta(days=10))
    replay.add_response(
        "GET",
        SEARCH,
        json={
            "data": [
                {"id": str(newer), "text": "acme new"},
                {"id": str(older), "text": "acme old"},
            ],
            "meta": {"next_token": "more"},
        },
    )
    conn = connector(replay, tmp_path, sleeps)

    (page,) = fetch(conn, cursor=str(old))

    assert "since_id" not in replay.requests[0].query  # X would answer 400 for it
    assert [m.native_id for m in page.mentions] == [str(newer)]  # the old one was stored before
    assert page.reads == 2 and page.cursor == str(newer)
    assert len(replay.requests) == 1  # reached the cursor: no next page


def test_empty_result_yields_nothing(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "empty.replay.json")
    assert fetch(connector(replay, tmp_path, sleeps)) == []


def test_half_tweets_are_logged_and_skipped(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_file(FIXTURES / "half_tweets.replay.json")
    conn = connector(replay, tmp_path, sleeps)

    (page,) = fetch(conn)

    (mention,) = page.mentions
    assert mention.native_id == "2028000000000000010"
    assert mention.created_at == snowflake_time(2028000000000000010)
    assert page.rejected == 5 and page.reads == 6  # X bills every tweet it returned
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 5 and all(s.startswith("x-main: skipped") for s in skipped)
    assert any("tweet 2028000000000000011" in s and "text is missing" in s for s in skipped)
    assert any("created_at 'yesterday'" in s for s in skipped)


@pytest.mark.parametrize(
    ("body", "content_type", "match"),
    [
        ('{"data": [{"id": "1", "text": "acme"', "application/json", "not JSON"),
        (
            "<html><head><title>Over capacity</title></head><body>Something is wrong</body></html>",
            "text/html",
            'starts with "<html><head><title>Over capacity',
        ),
        ('{"data": {"id": "1"}, "meta": {}}', "application/json", "data must be a list"),
    ],
    ids=["truncated-json", "html-page", "data-not-a-list"],
)
def test_malformed_pages_raise_payload_error(
    replay: Replay, tmp_path: Path, sleeps: list[float], body: str, content_type: str, match: str
) -> None:
    replay.add_response("GET", SEARCH, body=body, content_type=content_type)
    with pytest.raises(PayloadError, match=match):
        fetch(connector(replay, tmp_path, sleeps))


# -- rate limits and failures ---------------------------------------------------------------------


def test_429_with_x_reset_epoch_is_waited_for(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "rate_limited_epoch.replay.json")
    conn = connector(replay, tmp_path, sleeps)

    (page,) = fetch(conn)

    assert sleeps == [90.0]  # x-rate-limit-reset 1772366490 is 90 s after NOW
    assert page.mentions[0].text == "acme after the wait"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "900"}, 900.0),
        ({"Retry-After": format_datetime(NOW + timedelta(minutes=14), usegmt=True)}, 840.0),
        ({"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(NOW.timestamp()) + 600)}, 600.0),
    ],
    ids=["retry-after-seconds", "retry-after-http-date", "x-reset-epoch"],
)
def test_429_past_the_budget_defers_the_poll(
    replay: Replay, tmp_path: Path, sleeps: list[float], headers: dict[str, str], expected: float
) -> None:
    replay.add_response("GET", SEARCH, status=429, json={"title": "Too Many Requests"}, headers=headers)
    conn = connector(replay, tmp_path, sleeps)

    with pytest.raises(RateLimited) as info:
        fetch(conn)

    assert info.value.retry_after == pytest.approx(expected)
    assert sleeps == [] and len(replay.requests) == 1  # tweepy did not wait or retry either


def test_retry_after_within_budget_is_waited_for(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response("GET", SEARCH, status=429, headers={"Retry-After": "15"})
    replay.add_response("GET", SEARCH, json={"meta": {"result_count": 0}})
    assert fetch(connector(replay, tmp_path, sleeps)) == []
    assert sleeps == [15.0]


def test_503_storm_makes_exactly_max_attempts_requests(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for _ in range(POLICY.max_attempts):
        replay.add_response("GET", SEARCH, status=503, json={"title": "Service Unavailable", "token": TOKEN})
    conn = connector(replay, tmp_path, sleeps)

    with pytest.raises(TransientError) as info:
        fetch(conn)

    assert len(replay.requests) == POLICY.max_attempts and len(sleeps) == POLICY.max_attempts - 1
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text


def test_refused_token_is_an_auth_error_without_the_token(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # tweepy logs its request headers at DEBUG: it only had a placeholder
    replay.add_response(
        "GET", SEARCH, status=401, json={"title": "Unauthorized", "type": "about:blank", "status": 401}
    )
    conn = connector(replay, tmp_path, sleeps)

    with pytest.raises(AuthError, match="X refused the bearer token") as info:
        fetch(conn)

    assert TOKEN not in str(info.value)
    assert TOKEN not in caplog.text and "Bearer set-by-transport" in caplog.text
    assert replay.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_bad_query_400_is_a_connector_error_with_xs_reason(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    error = {"errors": [{"message": "There were errors processing your request: Ambiguous use of or"}]}
    replay.add_response("GET", SEARCH, status=400, json=error)

    with pytest.raises(ConnectorError, match="Ambiguous use of or") as info:
        fetch(connector(replay, tmp_path, sleeps))
    assert type(info.value) is ConnectorError


def test_unknown_user_404(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response("GET", "/2/users/404404/mentions", status=404, json={"title": "Not Found Error"})
    with pytest.raises(ConnectorError, match="check user_id"):
        fetch(connector(replay, tmp_path, sleeps, mode="mentions", user_id="404404"))


# -- the query ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("acme", "acme -is:retweet"),
        ('"acme corp" OR acmeapp -hiring', '("acme corp" OR (acmeapp -hiring)) -is:retweet'),
        ('("acme corp" OR acmeapp) -hiring', '("acme corp" OR acmeapp) -hiring -is:retweet'),
        ("acme* #acme @acme", "acme #acme @acme -is:retweet"),
        ('"OR" acme https://acme.com/x', '"OR" acme "https://acme.com/x" -is:retweet'),
        ("acme -(jobs OR career)", "acme -(jobs OR career) -is:retweet"),
        ("(a OR b) author:bob -author:@Spam", "(a OR b) from:bob -from:spam -is:retweet"),
        ("acme lang:en lang:pt-BR -lang:de -lang:en-GB", "acme (lang:en OR lang:pt) -lang:de -is:retweet"),
        ("acme -source:twitter", None),
    ],
)
def test_x_search_syntax(query: str, expected: str | None) -> None:
    assert x_search_query(parse_query(query)) == expected


def test_retweets_on_request() -> None:
    assert x_search_query(parse_query("acme"), include_retweets=True) == "acme"


def test_too_long_a_query_is_a_clear_error(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    query = " OR ".join(f"brandword{i}" for i in range(60))
    with pytest.raises(ConnectorError, match="allows 512"):
        fetch(connector(replay, tmp_path, sleeps), query)
    assert replay.requests == []


# -- settings and ids -----------------------------------------------------------------------------


def test_missing_token_names_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MONITOR_X_BEARER_TOKEN")
    with pytest.raises(ConfigError, match="MONITOR_X_BEARER_TOKEN"):
        build(SourceSpec("x-main", "x", Options(), base_dir=tmp_path))


def test_token_file(replay: Replay, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MONITOR_X_BEARER_TOKEN")
    (tmp_path / "x.token").write_text("file-bearer-token-123\n")
    replay.add_response("GET", SEARCH, json={"meta": {"result_count": 0}})
    spec = SourceSpec(
        "x-main", "x", Options(bearer_token_file="x.token"), base_url=replay.url, base_dir=tmp_path
    )

    list(build(spec).fetch(BrandQuery("acme", parse_query("acme")), None))

    assert replay.requests[0].headers["authorization"] == "Bearer file-bearer-token-123"


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"mode": "mentions"}, "needs user_id"),
        ({"user_id": "@acme"}, "should match pattern"),
        ({"max_results": 5}, "greater than or equal to 10"),
        ({"monthly_read_budget": -1}, "greater than or equal to 0"),
        ({"bearer_token": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_options_are_validated(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Options(**options)


def test_monthly_read_budget_is_an_option() -> None:
    assert Options(monthly_read_budget=10_000).monthly_read_budget == 10_000


def test_snowflake_round_trip() -> None:
    moment = datetime(2024, 5, 17, 8, 30, 15, 123000, tzinfo=UTC)
    assert snowflake_time(snowflake_id_at(moment)) == moment
    assert snowflake_time(20) is None  # 2006 ids are sequential, not snowflakes


def test_base_url_applies_to_tweepys_hard_coded_host(tmp_path: Path) -> None:
    spec = SourceSpec("x-main", "x", Options(), base_url="https://api.x.com", base_dir=tmp_path)
    adapter = build(spec).adapter
    request = requests.Request("GET", "https://api.twitter.com/2/tweets/search/recent?query=a").prepare()

    assert adapter._rewrite(request)
    assert request.url == "https://api.x.com/2/tweets/search/recent?query=a"
