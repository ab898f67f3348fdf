"""The youtube connector: our HttpClient against the replay server.

The two recorded commentThreads pages come from python-youtube's test data (bare bodies in
../shared/data/recordings/youtube, read in place; skipped when absent) and are served with
`add_response`. Error responses (quota, comments disabled, not found, invalid key) are synthetic
fixtures in tests/fixtures/youtube/, labelled so. Time is injected: nothing sleeps.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from connectors import registry
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
from connectors.youtube import Options, build
from connectors.youtube.connector import YouTubeConnector
from connectors.youtube.mapping import CURSOR, Cursor, seconds_until_quota_reset
from monitor.clock import FixedClock
from monitor.config import load_settings
from monitor.logs import RedactSecrets
from monitor.mentions.pipeline import Poller
from tests.conftest import Env, shared_path
from tests.support.replay import Replay

FIXTURES = Path(__file__).parents[1] / "fixtures" / "youtube"
KEY = "AIzaSyD-test-Key_0123456789abcdefghijk"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # 04:00 Pacific (PST): the quota resets in 20 h
POLICY = HttpPolicy(connect_timeout=2, read_timeout=5, max_attempts=4, backoff_base=1, time_budget=120)
PATH = "/commentThreads"
VIDEO = "F1UP7wRCPH8"  # the video of the recorded pages
CHANNEL = "UC_x5XG1OV2P6uZZ5FSM9Ttw"  # the channel of the recorded search


def recording(name: str) -> bytes:
    return shared_path("data", "recordings", "youtube", name).read_bytes()


def serve(replay: Replay, name: str, **kw: Any) -> None:
    replay.add_response("GET", PATH, body=recording(name), content_type="application/json", **kw)


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_YOUTUBE_API_KEY", KEY)


def connector(
    replay: Replay,
    tmp_path: Path,
    sleeps: list[float],
    *,
    policy: HttpPolicy = POLICY,
    now: datetime = NOW,
    **options: Any,
) -> YouTubeConnector:
    options.setdefault("video_ids", [VIDEO])
    spec = SourceSpec(
        name="yt-main",
        type="youtube",
        options=Options(**options),
        base_url=replay.url,
        timeout=5,
        base_dir=tmp_path,
        overlap=300.0,
    )
    return YouTubeConnector(spec, policy=policy, sleep=sleeps.append, now=lambda: now, rng=random.Random(3))


def fetch(conn: YouTubeConnector, cursor: str | None = None, query: str = "acme") -> list[Page]:
    return list(conn.fetch(BrandQuery("acme", parse_query(query)), cursor))


def assert_no_key(*texts: str) -> None:
    for text in texts:
        assert KEY not in text


def assert_no_key_logged(caplog: pytest.LogCaptureFixture) -> None:
    """Our own log lines never hold the key; other libraries' lines (urllib3 logs whole URLs at
    DEBUG) are clean once the application's redacting filter has seen them. The test server's
    access log (werkzeug) stands for the API's side and is left out."""
    redact = RedactSecrets()
    for record in caplog.records:
        if record.name.startswith("connectors"):
            assert KEY not in record.getMessage(), record.name
        elif not record.name.startswith("werkzeug"):
            redact.filter(record)
            assert KEY not in record.getMessage(), record.name


# -- the real recordings --------------------------------------------------------------------------


def test_recorded_pages_of_a_video(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    serve(replay, "comment_threads_by_video_paged_1.json")
    serve(replay, "comment_threads_by_video_paged_2.json")
    conn = connector(replay, tmp_path, sleeps)

    pages = fetch(conn)

    # python-youtube's page 2 repeats page 1's threads: they are read once.
    mentions = [m for p in pages for m in p.mentions]
    assert [m.native_id for m in mentions] == [
        "UgyZ1jqkHKYvi1-ruOZ4AaABAg",
        "Ugy4OzAuz5uJuFt3FH54AaABAg",
        "UgysQP-vp089eFP0Stl4AaABAg",
        "UgyKv8ziPYFJDGytM_J4AaABAg",
        "UgwI_ylXVnzPS8Q-oAV4AaABAg",
    ]
    first = mentions[0]
    assert (first.source, first.source_name, first.brand) == ("youtube", "yt-main", "acme")
    assert first.text == "Google.com"  # textOriginal, not the HTML of textDisplay
    assert first.author == "himani agarwal"
    assert first.created_at == datetime(2019, 11, 26, 15, 51, 44, tzinfo=UTC)
    assert first.url == f"https://www.youtube.com/watch?v={VIDEO}&lc=UgyZ1jqkHKYvi1-ruOZ4AaABAg"
    assert first.raw["snippet"]["topLevelComment"]["etag"]  # the whole thread kept for audit
    last = mentions[-1]
    assert last.text.startswith("Lot's of good light coming in from here #ChromeDevSummit")
    assert last.engagement == 2  # 0 likes + 2 replies
    assert mentions[2].engagement == 4  # 4 likes + 0 replies
    # The cursor moves only with the last page of the video.
    assert CURSOR.read(pages[0].cursor) == Cursor()
    assert pages[-1].cursor == '{"video:F1UP7wRCPH8":"2019-11-26T15:51:44+00:00"}'
    assert sum(p.rejected for p in pages) == 0 and sleeps == []

    first_request, second_request = replay.requests
    assert first_request.path == PATH
    assert first_request.query == {
        "part": "snippet",
        "videoId": VIDEO,
        "order": "time",
        "maxResults": "100",
        "textFormat": "plainText",
        "key": KEY,
    }
    token = "QURTSl9pMzdZOUVzMkI0czlmRmNjSVBPcTBTdzVzajUydDVnbE5SNElWS0l5WU12amYweVotdzF5c1hTNmxzUmVI"
    assert second_request.query["pageToken"].startswith(token)


def test_recorded_channel_threads(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    serve(replay, "comment_threads_with_search.json")
    conn = connector(replay, tmp_path, sleeps, video_ids=[], channel_ids=[CHANNEL], max_results=20)

    (page,) = fetch(conn)

    (mention,) = page.mentions
    assert (mention.native_id, mention.text, mention.author) == (
        "UgyUBI0HsgL9emxcZpR4AaABAg",
        "Hello",
        "DevRagz",
    )
    assert mention.url == f"https://www.youtube.com/channel/{CHANNEL}"  # no videoId: a channel comment
    assert mention.engagement == 0
    assert page.cursor == f'{{"channel:{CHANNEL}":"2019-06-23T02:49:00+00:00"}}'
    (request,) = replay.requests
    assert request.query["allThreadsRelatedToChannelId"] == CHANNEL and "videoId" not in request.query
    assert request.query["maxResults"] == "20"


def test_recorded_invalid_key_is_an_auth_error(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_response(
        "GET", PATH, status=400, body=recording("error_response.json"), content_type="application/json"
    )
    conn = connector(replay, tmp_path, sleeps)

    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as err:
        fetch(conn)

    assert "keyInvalid" in str(err.value) and "MONITOR_YOUTUBE_API_KEY" in str(err.value)
    assert err.value.source == "yt-main"
    assert_no_key(str(err.value))
    assert_no_key_logged(caplog)
    assert len(replay.requests) == 1 and sleeps == []


def test_recorded_permission_denied_is_an_auth_error(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_response(
        "GET", PATH, status=403, body=recording("error_permission_resp.json"), content_type="application/json"
    )
    with pytest.raises(AuthError) as err:
        fetch(connector(replay, tmp_path, sleeps))
    assert "HTTP 403" in str(err.value)
    assert_no_key(str(err.value))


# -- cursor resume --------------------------------------------------------------------------------


def test_resume_reads_only_newer_comments_and_stops_paging(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    # The last poll stored up to 2019-11-21 19:18:39 (the second thread of the recorded page).
    cursor = '{"video:F1UP7wRCPH8": "2019-11-21T19:18:39+00:00"}'
    serve(replay, "comment_threads_by_video_paged_1.json")  # has a nextPageToken, never followed
    conn = connector(replay, tmp_path, sleeps)

    pages = fetch(conn, cursor)

    (page,) = pages
    # The newer thread, and the one at the cursor itself (inside the 5-minute overlap; the store
    # drops it); the three older ones are not read, and page 2 is not requested.
    assert [m.native_id for m in page.mentions] == [
        "UgyZ1jqkHKYvi1-ruOZ4AaABAg",
        "Ugy4OzAuz5uJuFt3FH54AaABAg",
    ]
    assert page.cursor == '{"video:F1UP7wRCPH8":"2019-11-26T15:51:44+00:00"}'
    (request,) = replay.requests
    assert "pageToken" not in request.query


def test_resume_with_nothing_new_keeps_the_cursor(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    cursor = '{"video:F1UP7wRCPH8": "2019-11-26T15:51:44+00:00"}'
    serve(replay, "comment_threads_by_video_paged_1.json")
    (page,) = fetch(connector(replay, tmp_path, sleeps), cursor)
    assert [m.native_id for m in page.mentions] == ["UgyZ1jqkHKYvi1-ruOZ4AaABAg"]  # the overlap only
    assert page.cursor == CURSOR.dump(CURSOR.read(cursor))  # the same time, written canonically


def test_each_video_and_channel_keeps_its_own_cursor(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_response(
        "GET", PATH, body=recording("comment_threads_by_video_paged_2.json"), query={"videoId": VIDEO}
    )
    replay.add_response(
        "GET",
        PATH,
        body=recording("comment_threads_with_search.json"),
        query={"allThreadsRelatedToChannelId": CHANNEL},
    )
    conn = connector(replay, tmp_path, sleeps, channel_ids=[CHANNEL])

    pages = fetch(conn, '{"channel:UC_x5XG1OV2P6uZZ5FSM9Ttw": "2019-01-01T00:00:00+00:00"}')

    assert [len(p.mentions) for p in pages] == [5, 1]
    assert CURSOR.read(pages[-1].cursor) == Cursor(
        {
            f"video:{VIDEO}": datetime(2019, 11, 26, 15, 51, 44, tzinfo=UTC),
            f"channel:{CHANNEL}": datetime(2019, 6, 23, 2, 49, tzinfo=UTC),
        }
    )


def test_max_pages_caps_a_poll_and_warns_when_the_cursor_is_not_reached(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    serve(replay, "comment_threads_by_video_paged_1.json")
    conn = connector(replay, tmp_path, sleeps, max_pages=1)

    with caplog.at_level(logging.WARNING):
        (page,) = fetch(conn, '{"video:F1UP7wRCPH8": "2019-01-01T00:00:00+00:00"}')

    assert len(page.mentions) == 5
    assert page.cursor == '{"video:F1UP7wRCPH8":"2019-11-26T15:51:44+00:00"}'
    assert "yt-main" in caplog.text and "more than 1 pages" in caplog.text


def test_an_unreadable_cursor_reads_as_a_first_poll(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    serve(replay, "comment_threads_by_video_paged_2.json")
    with caplog.at_level(logging.WARNING):
        (page,) = fetch(connector(replay, tmp_path, sleeps), "not json")
    assert len(page.mentions) == 5 and "unreadable cursor" in caplog.text


# -- quota, throttling, errors --------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["quota_exceeded.replay.json", "daily_limit_exceeded.replay.json"])
def test_spent_quota_defers_until_midnight_pacific(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture, fixture: str
) -> None:
    replay.add_file(FIXTURES / fixture)
    conn = connector(replay, tmp_path, sleeps)

    with caplog.at_level(logging.DEBUG), pytest.raises(RateLimited) as err:
        fetch(conn)

    # NOW is 2026-03-01 04:00 PST; the quota resets at 2026-03-02 00:00 PST = 08:00 UTC.
    assert err.value.retry_after == 20 * 3600
    assert not isinstance(err.value, AuthError)
    assert "2026-03-02 08:00 UTC" in str(err.value) and "yt-main" in str(err.value)
    assert len(replay.requests) == 1 and sleeps == []  # no retry: waiting within the poll is pointless
    assert_no_key(str(err.value))
    assert_no_key_logged(caplog)


def test_throttling_is_rate_limited_for_the_next_interval(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_file(FIXTURES / "rate_limit_exceeded.replay.json")
    with pytest.raises(RateLimited) as err:
        fetch(connector(replay, tmp_path, sleeps))
    assert err.value.retry_after is None and "rateLimitExceeded" in str(err.value)


def test_quota_reset_time_follows_daylight_saving() -> None:
    # 2026-03-08: US daylight saving time starts at 02:00 local; that day has 23 hours.
    before = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 2026-03-07 23:30 PST
    assert seconds_until_quota_reset(before) == 30 * 60
    after = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)  # 2026-03-08 01:00 PST
    assert seconds_until_quota_reset(after) == 22 * 3600  # to 2026-03-09 00:00 PDT = 07:00 UTC
    summer = datetime(2026, 7, 1, 6, 59, tzinfo=UTC)  # 2026-06-30 23:59 PDT
    assert seconds_until_quota_reset(summer) == 60
    assert seconds_until_quota_reset(datetime(2026, 7, 1, 7, 0, tzinfo=UTC)) == 24 * 3600


def test_disabled_comments_are_an_empty_result(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_file(FIXTURES / "comments_disabled.replay.json")
    serve(replay, "comment_threads_by_video_paged_2.json", query={"videoId": VIDEO})
    conn = connector(replay, tmp_path, sleeps, video_ids=["Disabled001", VIDEO])

    with caplog.at_level(logging.INFO, logger="connectors.youtube"):
        pages = fetch(conn)

    assert [len(p.mentions) for p in pages] == [5]  # the other video is still read
    assert "video:Disabled001" not in pages[-1].cursor
    (record,) = [r for r in caplog.records if "disabled" in r.getMessage()]
    assert record.levelno == logging.INFO and "yt-main" in record.getMessage()


def test_video_not_found_names_the_video(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "video_not_found.replay.json")
    conn = connector(replay, tmp_path, sleeps, video_ids=["Missing0001"])

    with pytest.raises(ConnectorError) as err:
        fetch(conn)

    assert type(err.value) is ConnectorError  # not an AuthError, not transient
    assert "video Missing0001 not found" in str(err.value) and "videoNotFound" in str(err.value)
    assert_no_key(str(err.value))


def test_invalid_key_in_the_newer_error_shape(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_file(FIXTURES / "api_key_invalid.replay.json")
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as err:
        fetch(connector(replay, tmp_path, sleeps))
    assert "API_KEY_INVALID" in str(err.value) and "API key not valid" in str(err.value)
    assert_no_key(str(err.value))
    assert_no_key_logged(caplog)


def test_a_key_echoed_by_the_server_is_redacted(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    body = {"error": {"code": 400, "message": f"Bad key {KEY}", "errors": [{"reason": "keyInvalid"}]}}
    replay.add_response("GET", PATH, status=400, json=body)
    with pytest.raises(AuthError) as err:
        fetch(connector(replay, tmp_path, sleeps))
    assert "Bad key" in str(err.value)
    assert_no_key(str(err.value), repr(err.value))


def test_429_waits_for_retry_after_then_reads(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response("GET", PATH, status=429, headers={"Retry-After": "7"}, json={"error": {"code": 429}})
    serve(replay, "comment_threads_by_video_paged_2.json")

    (page,) = fetch(connector(replay, tmp_path, sleeps))

    assert len(page.mentions) == 5 and sleeps == [7.0]


def test_429_beyond_the_budget_is_rate_limited(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response(
        "GET", PATH, status=429, headers={"Retry-After": "3600"}, json={"error": {"code": 429}}
    )
    with pytest.raises(RateLimited) as err:
        fetch(connector(replay, tmp_path, sleeps))
    assert err.value.retry_after == 3600 and sleeps == []


def test_a_5xx_storm_is_transient_after_retries(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    backend = {"error": {"code": 503, "message": "Backend Error", "errors": [{"reason": "backendError"}]}}
    for _ in range(4):
        replay.add_response("GET", PATH, status=503, json=backend)

    with caplog.at_level(logging.DEBUG), pytest.raises(TransientError) as err:
        fetch(connector(replay, tmp_path, sleeps))

    assert not isinstance(err.value, RateLimited)
    assert "after 4 attempts" in str(err.value) and len(sleeps) == 3
    assert "key=REDACTED" in str(err.value)
    assert_no_key(str(err.value))
    assert_no_key_logged(caplog)


def test_an_html_error_page_is_a_payload_error(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response(
        "GET", PATH, body="<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html"
    )
    with pytest.raises(PayloadError) as err:
        fetch(connector(replay, tmp_path, sleeps))
    assert "not JSON" in str(err.value) and "502 Bad Gateway" in str(err.value)
    assert_no_key(str(err.value))


@pytest.mark.parametrize(
    "body",
    [
        '{"kind": "youtube#commentThreadListResponse", "items": [{"id": ',
        '{"error": "nope"}',
        "[]",
        '{"items": {}}',
    ],
    ids=["truncated", "not-a-list-response", "array", "items-not-a-list"],
)
def test_malformed_json_is_a_payload_error(
    replay: Replay, tmp_path: Path, sleeps: list[float], body: str
) -> None:
    replay.add_response("GET", PATH, body=body, content_type="application/json")
    with pytest.raises(PayloadError) as err:
        fetch(connector(replay, tmp_path, sleeps))
    assert "yt-main" in str(err.value) and err.value.source == "yt-main"


def test_malformed_items_are_logged_and_skipped(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_file(FIXTURES / "html_and_malformed.replay.json")
    conn = connector(replay, tmp_path, sleeps, video_ids=["Acme0Video1"])

    with caplog.at_level(logging.WARNING, logger="connectors.youtube"):
        (page,) = fetch(conn)

    assert page.rejected == 6
    html, plain = page.mentions
    # textDisplay is HTML and no textOriginal came: the text is what a reader sees.
    assert html.text == "I love Acme & its app\nsecond line 0:42"
    assert html.engagement == 10 and html.author == "@acmefan"
    assert plain.text == "plain text acme comment" and plain.engagement == 0
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 6 and all(w.startswith("yt-main: skipped") for w in warnings)
    assert any("UgwBroken003" in w and "not an ISO 8601 time" in w for w in warnings)
    assert any("item 4" in w for w in warnings)  # the string item has no id to name


def test_an_empty_video_yields_no_mentions(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "empty.replay.json")
    pages = fetch(connector(replay, tmp_path, sleeps))
    assert [m for p in pages for m in p.mentions] == []
    assert all(CURSOR.read(p.cursor) == Cursor() for p in pages)


def test_a_query_excluding_youtube_fetches_nothing(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    assert fetch(connector(replay, tmp_path, sleeps), query="acme -source:youtube") == []
    assert replay.requests == []


# -- settings and credentials ---------------------------------------------------------------------


def test_options_need_a_video_or_a_channel() -> None:
    with pytest.raises(ValidationError, match="video_ids or channel_ids"):
        Options()
    with pytest.raises(ValidationError, match="not a video id"):
        Options(video_ids=["https://youtu.be/F1UP7wRCPH8"])
    with pytest.raises(ValidationError, match="not a channel id"):
        Options(channel_ids=["@google"])
    with pytest.raises(ValidationError):
        Options(video_ids=[VIDEO], max_results=101)
    with pytest.raises(ValidationError):
        Options(video_ids=[VIDEO], api_key="inline keys are not settings")
    assert Options(video_ids=[f" {VIDEO}", VIDEO]).video_ids == [VIDEO]


def test_the_key_may_come_from_a_file(
    replay: Replay, tmp_path: Path, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MONITOR_YOUTUBE_API_KEY")
    (tmp_path / "yt.key").write_text("file-key-0123456789\n", encoding="utf-8")
    serve(replay, "comment_threads_with_search.json")
    fetch(connector(replay, tmp_path, sleeps, api_key_file="yt.key"))
    assert replay.requests[0].query["key"] == "file-key-0123456789"


def test_a_missing_key_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITOR_YOUTUBE_API_KEY")
    spec = SourceSpec(name="yt-main", type="youtube", options=Options(video_ids=[VIDEO]), base_dir=tmp_path)
    with pytest.raises(ConfigError, match="MONITOR_YOUTUBE_API_KEY"):
        build(spec)


def test_build_defaults_to_the_real_api(tmp_path: Path) -> None:
    spec = SourceSpec(name="yt-main", type="youtube", options=Options(video_ids=[VIDEO]), base_dir=tmp_path)
    conn = build(spec)
    assert conn.client.url_for("commentThreads") == "https://www.googleapis.com/youtube/v3/commentThreads"
    assert conn.overlap == timedelta(seconds=300)


def test_the_poller_defers_a_source_whose_quota_is_spent(
    replay: Replay, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Until the youtube type is registered for everyone, register it for this test.
    monkeypatch.setitem(registry.CONNECTOR_MODULES, "youtube", "connectors.youtube")
    env.write(
        sources=f"""
        [[sources]]
        name = "yt-main"
        type = "youtube"
        brands = ["acme"]
        match = "scoped"
        base_url = "{replay.url}"
        video_ids = ["{VIDEO}"]
        """
    )
    replay.add_file(FIXTURES / "quota_exceeded.replay.json")
    settings = load_settings(env.config)
    store = env.store()
    try:
        outcome = Poller(settings, store, clock=FixedClock(NOW)).poll(settings.source("yt-main"), "acme")
        health = store.health_of("yt-main")
    finally:
        store.close()

    assert outcome.ok and outcome.deferred_until is not None and outcome.deferred_until > NOW
    assert health["consecutive_failures"] == 0 and health["deferred_until"] == outcome.deferred_until
