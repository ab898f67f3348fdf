"""The reddit connector: the real praw/prawcore against the replay server.

Recordings come from praw's and prawcore's own cassettes (../shared/data/recordings/reddit, read in
place; skipped when absent). Their query strings come from older praw versions, so the tests assert
on the query *our* code sends. Responses written here (tests/fixtures/reddit/ and `add_response`)
are synthetic and labelled so. Time is injected: nothing sleeps.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import prawcore
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
from connectors.http import HttpPolicy, Redactor
from connectors.query import parse_query
from connectors.reddit import Options, build
from connectors.reddit.client import map_error
from connectors.reddit.connector import RedditConnector
from connectors.reddit.mapping import CURSOR, Cursor, reddit_search_query
from connectors.spec import SourceSpec
from connectors.types import BrandQuery, Page
from tests.conftest import shared_path
from tests.support.replay import Replay, load_recording

FIXTURES = Path(__file__).parents[1] / "fixtures" / "reddit"
CLIENT_ID = "cid-4f8a2b"
SECRET = "csecret-Zq81-VERYSECRET"
AGENT = "brand-monitor-tests/1.0 by u/tester"
POLICY = HttpPolicy(connect_timeout=2, read_timeout=5, max_attempts=4, backoff_base=1, time_budget=60)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TOKEN = {"access_token": "fixture-token", "token_type": "bearer", "expires_in": 86400, "scope": "*"}


def recording(name: str) -> Path:
    return shared_path("data", "recordings", "reddit", name)


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_REDDIT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("MONITOR_REDDIT_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("MONITOR_REDDIT_USER_AGENT", AGENT)


def connector(
    replay: Replay, tmp_path: Path, sleeps: list[float], *, policy: HttpPolicy = POLICY, **options: Any
) -> RedditConnector:
    spec = SourceSpec(
        name="reddit-main",
        type="reddit",
        options=Options(**options),
        base_url=replay.url,
        timeout=5,
        base_dir=tmp_path,
        overlap=300.0,
    )
    return RedditConnector(spec, policy=policy, sleep=sleeps.append, now=lambda: NOW, rng=random.Random(5))


def fetch(conn: RedditConnector, query: str = "acme", cursor: str | None = None) -> list[Page]:
    return list(conn.fetch(BrandQuery("acme", parse_query(query)), cursor))


def token(replay: Replay) -> None:
    """A synthetic token response (the recordings bring their own)."""
    replay.add_response("POST", "/api/v1/access_token", json=TOKEN)


def listing(*children: dict[str, Any], after: str | None = None) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"after": after, "before": None, "children": list(children)}}


def post(item_id: str, created: float, **data: Any) -> dict[str, Any]:
    """A synthetic submission (t3) with the fields the connector reads."""
    fields = {
        "id": item_id,
        "name": f"t3_{item_id}",
        "created_utc": created,
        "title": f"acme post {item_id}",
        "selftext": "I like acme",
        "author": "someone",
        "permalink": f"/r/test/comments/{item_id}/acme_post/",
        "score": 3,
        "num_comments": 2,
    }
    return {"kind": "t3", "data": {**fields, **data}}


def gets(replay: Replay) -> list[Any]:
    return [r for r in replay.requests if r.method == "GET"]


# -- the real recordings --------------------------------------------------------------------------


def test_subreddit_new_maps_the_recorded_listing(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(recording("TestSubredditListings.test_new.json"))
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["askreddit"])

    (page,) = fetch(conn)

    assert len(page.mentions) == 100 and page.rejected == 0
    first = page.mentions[0]
    assert first.source == "reddit" and first.source_name == "reddit-main" and first.brand == "acme"
    assert first.native_id == "t3_48fbm9"
    assert first.url == (
        "https://www.reddit.com/r/AskReddit/comments/48fbm9/serious_parents_of_reddit_whats_the_biggest_lie/"
    )
    assert first.author == "RedHeadQc"
    assert first.title.startswith("[Serious] Parents of Reddit")
    assert first.text == ""
    assert first.created_at == datetime(2016, 3, 1, 8, 37, 38, tzinfo=UTC)
    assert first.engagement == 1 + 1  # score + num_comments
    assert first.raw["id"] == "48fbm9"
    assert all(m.native_id.startswith("t3_") for m in page.mentions)
    assert json.loads(page.cursor) == {"created_utc": 1456821458.0, "name": "t3_48fbm9"}
    token_request, listing_request = replay.requests
    assert token_request.path == "/api/v1/access_token"
    assert (
        token_request.headers["authorization"]
        == "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    )
    assert b"grant_type=client_credentials" in token_request.body
    assert listing_request.path == "/r/askreddit/new"
    assert listing_request.query == {"limit": "100", "raw_json": "1"}  # backfill: one page, no `after`
    assert listing_request.headers["authorization"] == "bearer <ACCESS_TOKEN>"
    assert listing_request.headers["user-agent"].startswith(AGENT)
    assert sleeps == []


def test_comments_with_rate_limit_headers_page_with_after(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    # Recorded at /r/<TEST_SUBREDDIT>/comments/ (praw's placeholder, not a valid name in settings).
    replay.add(
        _retarget("TestSubredditStreams.test_comments__with_continue_after_id.json", "/r/acmetest/comments/")
    )
    conn = connector(
        replay, tmp_path, sleeps, mode="subreddit_comments", subreddits=["acmetest"], backfill_pages=2
    )

    first, second = fetch(conn)

    assert (len(first.mentions), len(second.mentions)) == (100, 95)
    comment = first.mentions[0]
    assert comment.native_id == "t1_k3yrfii" and comment.title is None
    assert comment.url.startswith("https://www.reddit.com/r/") and comment.url.endswith("/k3yrfii/")
    assert comment.text == comment.raw["body"] and comment.engagement == comment.raw["score"]
    assert [r.query.get("after") for r in gets(replay)] == [None, "t1_k3uzsxu"]
    assert gets(replay)[0].path == "/r/acmetest/comments/"
    # First poll: page 1 commits a cursor at its oldest item, the last page the newest of all.
    assert CURSOR.read(first.cursor).created_utc == min(m.created_at.timestamp() for m in first.mentions)
    assert CURSOR.read(second.cursor) == Cursor(1696754768.0, "t1_k3yrfii")
    # x-ratelimit-remaining 599/598: nobody waits; prawcore's own limiter never saw the headers.
    assert sleeps == []
    assert conn.reddit._core.rate_limiter.remaining is None
    assert conn.reddit._core.rate_limiter.next_request_timestamp_ns is None


def test_comments_resume_with_overlap_and_an_empty_listing(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    interactions = replay.add_file(recording("TestSubredditStreams.test_comments__with_pause.json"))
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_comments", subreddits=["kakapo"])

    (first,) = fetch(conn)
    assert len(first.mentions) == 16
    # 2017 comments carry no permalink: the URL is built from the thread id.
    assert first.mentions[0].url == "https://www.reddit.com/comments/654eqk/_/dgauydy/"

    assert fetch(conn, cursor=first.cursor) == []  # the recorded empty Listing: nothing new

    (third,) = fetch(conn, cursor=first.cursor)
    recorded = interactions[3].json()["data"]["children"]
    assert len(recorded) == 17
    # The new comment, plus the previous newest one again (inside the 5-minute overlap: the store
    # dedupes it); paging stops at the first older comment.
    assert [m.native_id for m in third.mentions] == ["t1_dgd9bcm", "t1_dgauydy"]
    assert CURSOR.read(third.cursor).name == "t1_dgd9bcm"
    assert all("after" not in r.query for r in gets(replay))


def test_submissions_stream_second_poll_reads_only_the_newer_ones(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_file(recording("TestSubredditStreams.test_submissions.json"))
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["all"])

    (first,) = fetch(conn)
    (second,) = fetch(conn, cursor=first.cursor)

    assert len(first.mentions) == 100
    assert [m.native_id for m in second.mentions] == ["t3_5jo144", "t3_5jo143", "t3_5jo141", "t3_5jo140"]
    assert CURSOR.read(second.cursor).name == "t3_5jo144"
    assert [r.path for r in gets(replay)] == ["/r/all/new", "/r/all/new"]


def _retarget(name: str, path: str) -> list[Any]:
    """The interactions of a prawcore cassette, the API calls moved to `path` (the recorded calls
    hit `/` and `/api/v1/me`, which a connector never asks for; the responses are what matters)."""
    out = []
    for interaction in load_recording(recording(name)):
        if interaction.path != "/api/v1/access_token":
            interaction = dataclasses.replace(interaction, path=path)
        out.append(interaction)
    return out


def test_recorded_503_storm_makes_exactly_max_attempts_requests(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add(_retarget("prawcore.TestSession.test_request__service_unavailable.json", "/r/acme/new"))
    policy = dataclasses.replace(POLICY, max_attempts=3)
    conn = connector(replay, tmp_path, sleeps, policy=policy, mode="subreddit_new", subreddits=["acme"])

    with pytest.raises(TransientError) as info:
        fetch(conn)

    assert not isinstance(info.value, RateLimited)
    assert len(gets(replay)) == 3 and len(sleeps) == 2
    assert "503" in str(info.value) and info.value.source == "reddit-main"


def test_503_storm_is_not_multiplied_by_prawcore_retries(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    # Synthetic: four 503s. prawcore alone would make 3 attempts, stacked on ours 12; we make 4.
    token(replay)
    for _ in range(4):
        replay.add_response(
            "GET", "/r/acme/new", status=503, body="<html>busy</html>", content_type="text/html"
        )
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["acme"])

    with pytest.raises(TransientError):
        fetch(conn)
    assert len(gets(replay)) == POLICY.max_attempts == 4
    assert len(sleeps) == 3


def test_recorded_429_with_retry_after_defers_past_the_budget(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add(
        _retarget(
            "prawcore.TestSession.test_request__too__many_requests__with_retry_headers.json", "/r/acme/new"
        )
    )
    policy = dataclasses.replace(POLICY, time_budget=2)
    conn = connector(replay, tmp_path, sleeps, policy=policy, mode="subreddit_new", subreddits=["acme"])

    with pytest.raises(RateLimited) as info:
        fetch(conn)

    assert info.value.retry_after == 4.0  # the recorded `retry-after: 4`
    assert sleeps == [] and len(gets(replay)) == 1


def test_recorded_429_with_retry_after_is_waited_for_within_the_budget(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add(
        _retarget(
            "prawcore.TestSession.test_request__too__many_requests__with_retry_headers.json", "/r/acme/new"
        )
    )
    replay.add_response("GET", "/r/acme/new", json=listing(post("a1", 1700000000.0)))
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["acme"])

    (page,) = fetch(conn)

    assert [m.native_id for m in page.mentions] == ["t3_a1"]
    assert sleeps == [4.0]


def test_recorded_429_on_the_token_request_without_headers(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_file(
        recording("prawcore.TestSession.test_request__too__many_requests__without_retry_headers.json")
    )
    policy = dataclasses.replace(POLICY, max_attempts=1)
    conn = connector(replay, tmp_path, sleeps, policy=policy, mode="subreddit_new", subreddits=["acme"])

    with pytest.raises(RateLimited) as info:
        fetch(conn)
    # Reddit named no time: defer by the policy's backoff (1 s after one attempt), not an interval.
    assert info.value.retry_after == policy.backoff_ceiling(0) == 1.0
    assert SECRET not in str(info.value)


def test_reddit_reset_header_on_429_is_seconds(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "rate_limited_reset_seconds.replay.json")
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["acme"])

    (page,) = fetch(conn)

    assert len(page.mentions) == 1
    assert sleeps == [12.0]  # x-ratelimit-reset: 12 means twelve seconds from now


def test_used_up_window_defers_the_next_page_instead_of_sleeping_like_prawcore(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    # Synthetic: page 1 says the 10-minute window is spent (remaining 0, reset 500 s). prawcore's
    # limiter would sleep 500 s; the budget is 60 s, so the poll stops with RateLimited instead.
    token(replay)
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-used": "600", "x-ratelimit-reset": "500"}
    replay.add_response(
        "GET", "/r/acme/new", json=listing(post("a2", 1700000100.0), after="t3_a2"), headers=headers
    )
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["acme"], backfill_pages=2)

    pages = conn.fetch(BrandQuery("acme", parse_query("acme")), None)
    first = next(pages)
    with pytest.raises(RateLimited) as info:
        next(pages)

    assert [m.native_id for m in first.mentions] == ["t3_a2"]
    assert info.value.retry_after == 500.0
    assert sleeps == [] and len(gets(replay)) == 1


# -- search ---------------------------------------------------------------------------------------


def test_search_across_reddit_sends_the_translated_query(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    token(replay)
    replay.add_response("GET", "/r/all/search", json=listing(post("s1", 1700000000.0)))
    conn = connector(replay, tmp_path, sleeps)

    (page,) = fetch(conn, '("acme corp" OR acmeapp) -hiring -author:acmejobs lang:en')

    assert [m.native_id for m in page.mentions] == ["t3_s1"]
    (request,) = gets(replay)
    assert request.query == {
        "q": '("acme corp" OR acmeapp) AND NOT hiring AND NOT author:acmejobs',
        "restrict_sr": "False",
        "sort": "new",
        "syntax": "lucene",
        "t": "all",
        "type": "link",
        "limit": "100",
        "raw_json": "1",
    }


def test_search_within_subreddits(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    token(replay)
    replay.add_response("GET", "/r/acme+acmeapp/search", json=listing())
    conn = connector(
        replay, tmp_path, sleeps, subreddits=["r/acme", "acmeapp"], sort="relevance", time_filter="week"
    )

    assert fetch(conn) == []
    (request,) = gets(replay)
    assert request.query["restrict_sr"] == "True"
    assert (request.query["sort"], request.query["t"]) == ("relevance", "week")


def test_a_query_for_other_platforms_only_asks_reddit_nothing(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    conn = connector(replay, tmp_path, sleeps)
    assert fetch(conn, "acme source:x") == []
    assert replay.requests == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("acme", "acme"),
        ('"acme corp" OR acmeapp -hiring', '"acme corp" OR (acmeapp AND NOT hiring)'),
        ("acme* #acme", "acme AND #acme"),
        ("acme-corp OR acme.com/pricing", '"acme-corp" OR "acme.com/pricing"'),
        ('"OR" acme', '"OR" AND acme'),
        ("acme -(jobs OR career)", "acme AND NOT (jobs OR career)"),
        ("(acme OR acmeapp) author:bob author:al", "(acme OR acmeapp) AND (author:al OR author:bob)"),
        ("acme -author:bob lang:de", "acme AND NOT author:bob"),
        ("acme -source:reddit", None),
        ("acme source:reddit source:x", "acme"),
    ],
)
def test_reddit_search_syntax(query: str, expected: str | None) -> None:
    assert reddit_search_query(parse_query(query)) == expected


def test_too_long_a_query_is_a_clear_error(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    conn = connector(replay, tmp_path, sleeps)
    query = " OR ".join(f"brandword{i}" for i in range(60))
    with pytest.raises(ConnectorError, match="Reddit search takes at most 512"):
        fetch(conn, query)


# -- paging and cursors (synthetic fixtures) ------------------------------------------------------


def test_paging_across_two_pages_with_after_then_resume(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_file(FIXTURES / "two_pages.replay.json")
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["acme"], backfill_pages=2)

    first, second = fetch(conn)

    assert [m.native_id for m in first.mentions] == ["t3_p4", "t3_p3"]
    assert [m.native_id for m in second.mentions] == ["t3_p2", "t3_p1"]
    assert [r.query.get("after") for r in gets(replay)] == [None, "t3_p3"]
    assert CURSOR.read(first.cursor).created_utc == 1700000300.0  # page 1's oldest: safe to resume
    assert CURSOR.read(second.cursor) == Cursor(1700000400.0, "t3_p4")


def test_later_poll_stops_paging_at_the_cursor(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    token(replay)
    replay.add_response(
        "GET",
        "/r/acme/new",
        json=listing(
            post("n2", 1700001000.0),
            post("n1", 1700000800.0),
            post("old1", 1700000500.0),  # 100 s before the cursor: inside the overlap, sent again
            post("old0", 1700000000.0),  # older than cursor - overlap: paging stops here
            after="t3_old0",
        ),
    )
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["acme"])

    (page,) = fetch(conn, cursor=CURSOR.dump(Cursor(1700000600.0, "t3_prev")))

    assert [m.native_id for m in page.mentions] == ["t3_n2", "t3_n1", "t3_old1"]
    assert CURSOR.read(page.cursor) == Cursor(1700001000.0, "t3_n2")
    assert len(gets(replay)) == 1  # no second page although Reddit offered one


def test_unreadable_cursor_reads_as_a_first_poll(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    token(replay)
    replay.add_response("GET", "/r/acme/new", json=listing(post("a1", 1700000000.0)))
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["acme"])

    (page,) = fetch(conn, cursor="not json")
    assert len(page.mentions) == 1
    assert "unreadable cursor" in caplog.text


# -- malformed payloads ---------------------------------------------------------------------------


def test_malformed_items_are_logged_and_skipped(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_file(FIXTURES / "missing_fields.replay.json")
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_comments", subreddits=["acme"])

    (page,) = fetch(conn)

    assert [m.native_id for m in page.mentions] == ["t1_good1", "t3_good2"]
    assert page.mentions[0].author is None  # "[deleted]"
    assert page.rejected == 6
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 6 and all(s.startswith("reddit-main: skipped") for s in skipped)
    assert any("t1_nocreated" in s and "created_utc is missing" in s for s in skipped)
    assert any("t1_badbody" in s and "body is int" in s for s in skipped)
    assert any("t5_" in s or "kind 't5'" in s for s in skipped)


@pytest.mark.parametrize(
    ("body", "content_type", "match"),
    [
        ('{"kind": "Listing", "data": {"children": [', "application/json", "not JSON"),
        (
            "<!doctype html><html><title>reddit.com: page not found</title></html>",
            "text/html; charset=UTF-8",
            'starts with "<!doctype html><html><title>reddit.com',
        ),
        ('{"kind": "t3", "data": {}}', "application/json", "expected a Reddit Listing"),
        ('{"kind": "Listing", "data": {"children": 5}}', "application/json", "no list of children"),
    ],
    ids=["truncated-json", "html-page", "not-a-listing", "children-not-a-list"],
)
def test_malformed_pages_raise_payload_error(
    replay: Replay, tmp_path: Path, sleeps: list[float], body: str, content_type: str, match: str
) -> None:
    token(replay)
    replay.add_response("GET", "/r/acme/new", body=body, content_type=content_type)
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["acme"])

    with pytest.raises(PayloadError, match=match) as info:
        fetch(conn)
    assert str(info.value).startswith("reddit-main: ")


def test_empty_listing_yields_nothing(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "empty_listing.replay.json")
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["acme"])
    assert fetch(conn) == []


# -- errors ---------------------------------------------------------------------------------------


def test_missing_subreddit_redirect_names_it(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    token(replay)
    replay.add_response(
        "GET", "/r/nosuchsub/new", status=302, headers={"Location": "/subreddits/search.json?q=nosuchsub"}
    )
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["nosuchsub"])

    with pytest.raises(ConnectorError, match="r/nosuchsub exists and is public") as info:
        fetch(conn)
    assert type(info.value) is ConnectorError


def test_recorded_404_is_a_connector_error(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add(_retarget("TestSubreddit.test_traffic__not_public.json", "/r/announcements/new"))
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["announcements"])

    with pytest.raises(ConnectorError, match="not found; check that r/announcements") as info:
        fetch(conn)
    assert type(info.value) is ConnectorError


def test_private_subreddit_403_is_an_auth_error(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    token(replay)
    replay.add_response("GET", "/r/secret/new", status=403, json={"reason": "private", "error": 403})
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["secret"])

    with pytest.raises(AuthError):
        fetch(conn)


def test_refused_client_credentials(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    replay.add_response(
        "POST", "/api/v1/access_token", status=401, json={"message": "Unauthorized", "error": 401}
    )
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["acme"])

    with pytest.raises(AuthError, match="credentials refused") as info:
        fetch(conn)
    _no_secret(str(info.value), caplog)


def test_token_endpoint_error_payload_is_an_auth_error(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    replay.add_response("POST", "/api/v1/access_token", json={"error": "invalid_grant"})
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["acme"])

    with pytest.raises(AuthError, match="invalid_grant") as info:
        fetch(conn)
    _no_secret(str(info.value), caplog)


def test_401_refreshes_the_token_once_without_sleeping(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    invalid = {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'}
    for _ in range(2):
        token(replay)
        replay.add_response("GET", "/r/acme/new", status=401, json={"error": 401}, headers=invalid)
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["acme"])

    with pytest.raises(AuthError):
        fetch(conn)
    # One refresh and one retry (prawcore alone: two retries with 0-4 s of real sleep).
    assert [r.method for r in replay.requests] == ["POST", "GET", "POST", "GET"]
    assert sleeps == []


def _no_secret(message: str, caplog: pytest.LogCaptureFixture) -> None:
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    for text in (message, caplog.text):
        assert SECRET not in text and basic not in text


def test_secrets_stay_out_of_errors_and_debug_logs_on_a_503_storm(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token(replay)
    for _ in range(4):
        replay.add_response("GET", "/r/acme/new", status=503, body=f"upstream said client_secret={SECRET}")
    conn = connector(replay, tmp_path, sleeps, mode="subreddit_new", subreddits=["acme"])

    with pytest.raises(TransientError) as info:
        fetch(conn)
    _no_secret(str(info.value), caplog)


# -- settings -------------------------------------------------------------------------------------


def test_missing_credential_names_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MONITOR_REDDIT_CLIENT_SECRET")
    spec = SourceSpec(name="reddit-main", type="reddit", options=Options(), base_dir=tmp_path)
    with pytest.raises(ConfigError, match="MONITOR_REDDIT_CLIENT_SECRET"):
        build(spec)


def test_credential_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MONITOR_REDDIT_CLIENT_SECRET")
    (tmp_path / "secret.txt").write_text("from-a-file-secret\n")
    spec = SourceSpec("reddit-main", "reddit", Options(client_secret_file="secret.txt"), base_dir=tmp_path)
    assert build(spec).reddit.config.client_secret == "from-a-file-secret"


def test_the_real_api_as_base_url_keeps_the_token_endpoint_on_www(tmp_path: Path) -> None:
    spec = SourceSpec("r", "reddit", Options(), base_url="https://oauth.reddit.com", base_dir=tmp_path)
    config = build(spec).reddit.config
    assert (config.oauth_url, config.reddit_url) == ("https://oauth.reddit.com", "https://www.reddit.com")


def test_base_url_with_a_path_prefix_serves_token_and_api(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_response("POST", "/reddit/api/v1/access_token", json=TOKEN)
    replay.add_response("GET", "/reddit/r/acme/new", json=listing())
    spec = SourceSpec(
        "r",
        "reddit",
        Options(mode="subreddit_new", subreddits=["acme"]),
        base_url=replay.url + "/reddit/",
        base_dir=tmp_path,
    )
    assert (
        list(RedditConnector(spec, sleep=sleeps.append).fetch(BrandQuery("acme", parse_query("a")), None))
        == []
    )


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"mode": "subreddit_new"}, "needs at least one entry in subreddits"),
        ({"subreddits": ["no spaces"]}, "is not a subreddit name"),
        ({"limit": 500}, "less than or equal to 100"),
        ({"unknown": 1}, "Extra inputs are not permitted"),
    ],
)
def test_options_are_validated(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Options(**options)


# -- prawcore's exceptions (praw never raises most of them here: the adapter answers first) --------


def _response(status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    response._content = body
    response.url = "http://127.0.0.1:1/r/acme/new?raw_json=1"
    response.request = requests.Request("GET", response.url).prepare()
    return response


@pytest.mark.parametrize(
    ("exc", "cls", "match"),
    [
        (prawcore.TooManyRequests(_response(429, {"retry-after": "30"})), RateLimited, "429"),
        (prawcore.ServerError(_response(503)), TransientError, "503"),
        (
            prawcore.BadJSON(_response(200, {"Content-Type": "text/html"}, b"<html>oops")),
            PayloadError,
            "<html>oops",
        ),
        (prawcore.InsufficientScope(_response(403)), AuthError, "may not read"),
        (prawcore.ResponseException(_response(418)), ConnectorError, "HTTP 418"),
        (prawcore.ResponseException(_response(502)), TransientError, "HTTP 502"),
        (prawcore.OAuthException(_response(200), "invalid_grant", SECRET), AuthError, "REDACTED"),
        (KeyError(401), ConnectorError, "KeyError"),
    ],
)
def test_prawcore_exceptions_map_to_ours(exc: Exception, cls: type, match: str) -> None:
    error = map_error(
        exc, source="r", what="GET r/acme/new", missing="r/acme", redactor=Redactor([SECRET]), now=NOW
    )

    assert type(error) is cls and error.source == "r"
    assert match in str(error) and SECRET not in str(error)
    if isinstance(error, RateLimited):
        assert error.retry_after == 30.0
