"""The mastodon connector: our HttpClient against the replay server.

The real recordings are Mastodon.py's vcrpy cassettes (../shared/data/recordings/mastodon, read in
place; skipped when absent); only their GET requests that this connector makes are served (the
cassettes also post and delete statuses). Everything else is a synthetic fixture in
tests/fixtures/mastodon/ (each says so in its "comment") or an `add_response` written here.
Time and sleep are injected: nothing sleeps.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    PayloadError,
    RateLimited,
    TransientError,
)
from connectors.html_text import html_to_text
from connectors.http import HttpPolicy
from connectors.mastodon import Options
from connectors.mastodon.connector import MastodonConnector
from connectors.mastodon.mapping import hashtags_from_query, overlap_floor, search_terms
from connectors.query import parse_query
from connectors.spec import SourceSpec
from connectors.types import BrandQuery, Page
from tests.conftest import shared_path
from tests.support.replay import Interaction, Replay, load_recording

FIXTURES = Path(__file__).parents[1] / "fixtures" / "mastodon"
TOKEN = "mstdn-Zq8vX2-secret-token-4471"
NOW = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
POLICY = HttpPolicy(connect_timeout=2, read_timeout=5, max_attempts=3, backoff_base=1, time_budget=120)
TAG = "/api/v1/timelines/tag/acme"
NEWEST, BOOST, OLDEST = "117557526528000000", "117557506867200001", "117557428224000000"  # two_pages ids


@pytest.fixture(autouse=True)
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITOR_MASTODON_ACCESS_TOKEN", raising=False)


def connector(
    replay: Replay, tmp_path: Path, sleeps: list[float], *, base_url: str | None = None, **options: Any
) -> MastodonConnector:
    spec = SourceSpec(
        name="masto-main",
        type="mastodon",
        options=Options(**options),
        base_url=base_url or replay.url,
        timeout=5,
        base_dir=tmp_path,
        overlap=300.0,
    )
    return MastodonConnector(spec, policy=POLICY, sleep=sleeps.append, now=lambda: NOW, rng=random.Random(3))


def fetch(conn: MastodonConnector, query: str = "acme", cursor: str | None = None) -> list[Page]:
    return list(conn.fetch(BrandQuery("acme", parse_query(query)), cursor))


def recorded(name: str, *, path: str, host: str | None = None) -> list[Interaction]:
    """The GET interactions of a Mastodon.py cassette for one path (and host)."""
    cassette = shared_path("data", "recordings", "mastodon", name)
    return [
        i
        for i in load_recording(cassette)
        if i.method == "GET" and i.key[1] == path.rstrip("/") and (host is None or host in i.uri)
    ]


def check_against(mention: Any, status: dict[str, Any]) -> None:
    """A mention made from a plain (not boosted) recorded status."""
    assert mention.source == "mastodon" and mention.source_name == "masto-main" and mention.brand == "acme"
    assert mention.native_id == status["uri"] and mention.url == status["url"]
    assert mention.created_at == datetime.fromisoformat(status["created_at"].replace("Z", "+00:00"))
    assert mention.text == html_to_text(status["content"]) and "<" not in mention.text
    assert mention.title == (status["spoiler_text"] or None)
    assert mention.lang == status["language"]
    assert mention.author.startswith(status["account"]["acct"] + "@")
    assert (
        mention.engagement == status["favourites_count"] + status["reblogs_count"] + status["replies_count"]
    )
    assert mention.reach == status["account"]["followers_count"]
    assert mention.raw == status


# -- the real recordings --------------------------------------------------------------------------


def test_recorded_hashtag_timeline(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    (timeline,) = recorded("test_hashtag_tl.yaml", path="/api/v1/timelines/tag/hoot")
    replay.add([timeline])
    conn = connector(replay, tmp_path, sleeps, hashtags=["#hoot"])

    pages = fetch(conn)

    statuses = timeline.json()
    mentions = [m for p in pages for m in p.mentions]
    assert len(mentions) == len(statuses)
    for mention, status in zip(mentions, statuses, strict=True):
        check_against(mention, status)
    assert pages[-1].cursor == max(statuses, key=lambda s: int(s["id"]))["id"]
    (request,) = replay.requests
    assert request.path == "/api/v1/timelines/tag/hoot" and request.query == {"limit": "40"}
    assert "authorization" not in request.headers  # hashtag timelines are public
    assert sleeps == []


def test_polling_the_same_recorded_timeline_again_asks_once_and_finds_nothing_new(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    # A replay ignores since_id and the recorded page has a Link to older statuses: the second
    # poll must still stop after one request, since nothing on it is newer than the cursor.
    (timeline,) = recorded("test_hashtag_tl.yaml", path="/api/v1/timelines/tag/hoot")
    replay.add([timeline, timeline])
    conn = connector(replay, tmp_path, sleeps, hashtags=["hoot"])

    first = fetch(conn)
    second = fetch(conn, cursor=first[-1].cursor)

    assert len(replay.requests) == 2 and "since_id" in replay.requests[1].query
    assert {m.key for p in second for m in p.mentions} <= {m.key for p in first for m in p.mentions}
    assert all(p.cursor == first[-1].cursor for p in second)


def test_recorded_public_timeline(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    (timeline,) = recorded("test_public_tl_anonymous.yaml", path="/api/v1/timelines/public")
    replay.add([timeline])

    (page,) = fetch(connector(replay, tmp_path, sleeps, mode="public", scope="local"))

    statuses = timeline.json()
    assert [m.native_id for m in page.mentions] == [s["uri"] for s in statuses]
    for mention, status in zip(page.mentions, statuses, strict=True):
        check_against(mention, status)
    assert "you can't say that on television" in [m.text for m in page.mentions]  # &#39; decoded
    assert page.cursor == statuses[0]["id"]
    assert replay.requests[0].query == {"local": "true", "limit": "40"}


def test_recorded_public_timeline_of_an_instance_that_shows_it(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    (timeline,) = recorded("test_timeline_disabled.yaml", path="/api/v1/timelines/public")
    replay.add([timeline])

    (page,) = fetch(connector(replay, tmp_path, sleeps, mode="public"))

    assert len(page.mentions) == len(timeline.json())
    assert page.cursor == max(int(s["id"]) for s in timeline.json()).__str__()


def test_recorded_instance_with_disabled_live_feeds_is_a_clear_connector_error(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    # mastodon.social's real /api/v2/instance: live feeds disabled, hashtag feeds public. The 422 in
    # front of it is synthetic (what Mastodon answers when a feed is not open to this reader).
    (social,) = recorded("test_timeline_disabled.yaml", path="/api/v2/instance", host="mastodon.social")
    assert social.json()["configuration"]["timelines_access"]["live_feeds"]["remote"] == "disabled"
    replay.add_file(FIXTURES / "timeline_refused.replay.json")
    replay.add([social])

    with pytest.raises(ConnectorError) as info:
        fetch(connector(replay, tmp_path, sleeps, mode="public"))

    assert type(info.value) is ConnectorError and info.value.source == "masto-main"
    message = str(info.value)
    assert message.startswith("masto-main: 127.0.0.1 has disabled its public timeline")
    assert "timelines_access.live_feeds: local = disabled, remote = disabled" in message
    assert "HTTP 422" in message and "requires an authenticated user" in message
    assert [r.path for r in replay.requests] == ["/api/v1/timelines/public", "/api/v2/instance"]
    assert sleeps == []  # the explanation is asked once, not retried


def test_recorded_instance_whose_feeds_are_public_still_explains_an_anonymous_refusal(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    (local,) = recorded("test_timeline_disabled.yaml", path="/api/v2/instance", host="localhost")
    replay.add_file(FIXTURES / "timeline_refused.replay.json")
    replay.add([local])

    with pytest.raises(
        AuthError, match=r"logged-in users only; set MONITOR_MASTODON_ACCESS_TOKEN or access_token_file"
    ):
        fetch(connector(replay, tmp_path, sleeps, mode="public"))


def test_recorded_search(
    replay: Replay, tmp_path: Path, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_MASTODON_ACCESS_TOKEN", TOKEN)
    searches = recorded("test_search.yaml", path="/api/v2/search")
    replay.add(searches)  # three recorded answers (accounts only, no statuses), one per search term
    conn = connector(replay, tmp_path, sleeps, mode="search")

    assert fetch(conn, 'mastodonpy_test OR "big news" OR acmeapp') == []

    assert [(r.query["q"], r.query["type"]) for r in replay.requests] == [
        ("mastodonpy_test", "statuses"),
        ("acmeapp", "statuses"),
        ('"big news"', "statuses"),
    ]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in replay.requests)
    assert len(replay.requests) == len(searches)


# -- paging, boosts and the cursor ----------------------------------------------------------------


def test_link_header_paging_boosts_and_content_warnings(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_file(FIXTURES / "two_pages.replay.json")
    conn = connector(replay, tmp_path, sleeps, limit=2, backfill_pages=3)

    pages = fetch(conn)

    assert [r.query.get("max_id") for r in replay.requests] == [None, BOOST, OLDEST]
    assert all(r.query["limit"] == "2" and "since_id" not in r.query for r in replay.requests)
    post, boosted, rant = [m for p in pages for m in p.mentions]
    assert post.text == "Loving the new #acme release!\nDetails: https://acme.example/blog/2026/launch"
    assert (post.author, post.engagement, post.reach, post.lang) == ("fan@example.social", 6, 42, "en")
    # The boost stands for the boosted status: its uri, author, time, counts; the wrapper stays in raw.
    assert boosted.native_id == "https://other.example/users/alice/statuses/117557467545600000"
    assert boosted.author == "alice@other.example" and boosted.lang == "de"
    assert (boosted.engagement, boosted.reach) == (12, 1200)
    assert boosted.created_at == datetime(2026, 11, 4, 9, 30, tzinfo=UTC)
    assert boosted.raw["id"] == BOOST and boosted.raw["reblog"]["account"]["acct"] == "alice@other.example"
    assert (rant.title, rant.text) == ("acme rant", "#acme support is slow & unhelpful")
    # Pages of a first poll resume below what they read; the last one holds the newest id.
    assert [p.cursor for p in pages] == [str(int(BOOST) - 1), str(int(OLDEST) - 1), NEWEST]


def test_resume_asks_since_the_cursor_moved_back_by_the_overlap(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_file(FIXTURES / "two_pages.replay.json")
    conn = connector(replay, tmp_path, sleeps, limit=2)
    cursor = str(int(OLDEST) - 1)

    pages = fetch(conn, cursor=cursor)

    floor = str(overlap_floor(int(cursor), 300))
    assert int(cursor) - int(floor) == 300_000 << 16
    assert [(r.query.get("since_id"), r.query.get("max_id")) for r in replay.requests] == [
        (floor, None),
        (floor, BOOST),  # since_id kept while paging back with the Link header's max_id
        (floor, OLDEST),
    ]
    assert [p.cursor for p in pages] == [cursor, cursor, NEWEST]  # moved only once the poll is complete


def test_statuses_at_or_below_the_floor_stop_the_poll(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_file(FIXTURES / "two_pages.replay.json")
    replay.allow_unused()  # a server ignoring since_id: the first page already reaches the floor
    conn = connector(replay, tmp_path, sleeps, limit=2)

    cursor = str(int(BOOST) + (300_000 << 16))  # its floor is the boost's id; NEWEST is in the overlap
    (page,) = fetch(conn, cursor=cursor)

    assert [m.native_id for m in page.mentions] == ["https://example.social/users/fan/statuses/" + NEWEST]
    assert page.cursor == cursor and len(replay.requests) == 1


def test_several_hashtags_share_a_request_with_any(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_response("GET", TAG, json=[])
    replay.add_response("GET", "/api/v1/timelines/tag/e", json=[])
    conn = connector(
        replay, tmp_path, sleeps, hashtags=["acme", "AcmeApp", "b", "c", "d", "e", "f"], scope="remote"
    )

    assert fetch(conn) == []

    first, second = replay.requests
    assert (
        first.path == TAG and first.query_string.count("any%5B%5D=") == 4 and first.query["remote"] == "true"
    )
    assert "any%5B%5D=AcmeApp" in first.query_string  # Mastodon takes four extra tags: e and f go next
    assert second.path == "/api/v1/timelines/tag/e" and second.query_string.count("any%5B%5D=f") == 1


def test_hashtags_come_from_the_brand_query_when_none_are_set(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_response("GET", TAG, json=[])
    assert fetch(connector(replay, tmp_path, sleeps), '"acme corp" OR #acme OR acmeapp* OR @acme') == []
    (request,) = replay.requests
    assert request.path == TAG and request.query["any[]"] == "acmeapp"


def test_a_query_without_a_one_word_term_is_a_clear_error(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    with pytest.raises(ConnectorError, match="no hashtag to read for brand 'acme'"):
        fetch(connector(replay, tmp_path, sleeps), '"acme corp" OR @acme')


def test_search_pages_by_offset_and_stops_at_the_floor(
    replay: Replay, tmp_path: Path, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_MASTODON_ACCESS_TOKEN", TOKEN)
    replay.add_file(FIXTURES / "search.replay.json")
    conn = connector(replay, tmp_path, sleeps, mode="search", limit=2, backfill_pages=3)

    pages = fetch(conn, '"acme corp" OR acme')

    assert [(r.query["q"], r.query.get("offset")) for r in replay.requests] == [("acme", None), ("acme", "2")]
    assert [m.author for p in pages for m in p.mentions] == [
        "hr@jobs.example",
        "carol@example.social",
        "dave@example.social",
    ]


@pytest.mark.parametrize(
    ("query", "tags", "terms"),
    [
        ('"acme corp" OR acme OR acmeapp -hiring', ["acme", "acmeapp"], ["acme", "acmeapp"]),
        ('("acme corp" OR #acme) -hiring', ["acme"], ["acme"]),
        ('"big co" OR @bigco OR big_co*', ["big_co"], ["bigco", "big_co", '"big co"']),
        ("acme -source:mastodon", [], []),
        ("2026 OR acme", ["acme"], ["2026", "acme"]),
    ],
)
def test_query_translation(query: str, tags: list[str], terms: list[str]) -> None:
    parsed = parse_query(query)
    assert hashtags_from_query(parsed) == tags and search_terms(parsed) == terms


def test_a_query_for_other_platforms_asks_nothing(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    assert fetch(connector(replay, tmp_path, sleeps), "acme source:reddit") == []
    assert fetch(connector(replay, tmp_path, sleeps, mode="public"), "acme -source:mastodon") == []
    assert replay.requests == []


def test_unreadable_cursor_reads_as_a_first_poll(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_response("GET", TAG, json=[])
    with caplog.at_level(logging.WARNING, logger="connectors.mastodon"):
        assert fetch(connector(replay, tmp_path, sleeps), cursor="not-an-id") == []
    assert "masto-main: unreadable cursor" in caplog.text and "since_id" not in replay.requests[0].query


def test_empty_timeline_yields_nothing(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response("GET", TAG, json=[])
    assert fetch(connector(replay, tmp_path, sleeps), cursor=NEWEST) == []


# -- malformed statuses and payloads --------------------------------------------------------------


def test_malformed_statuses_are_logged_with_the_source_and_skipped(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_file(FIXTURES / "malformed_statuses.replay.json")
    with caplog.at_level(logging.WARNING, logger="connectors.mastodon"):
        (page,) = fetch(connector(replay, tmp_path, sleeps))

    assert [m.text for m in page.mentions] == ["fine #acme", "no account #acme"]
    assert page.rejected == 6
    assert (page.mentions[1].author, page.mentions[1].lang, page.mentions[1].reach) == (None, None, None)
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 6 and all(s.startswith(f"masto-main: GET {TAG}") for s in skipped)
    for reason in ("not a string of digits", "neither uri nor url", "not an ISO 8601", "not an object",
                   "no text (media only)", "content is int"):  # fmt: skip
        assert any(reason in s for s in skipped), reason


def test_html_error_page_is_a_payload_error(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "html_error.replay.json")
    with pytest.raises(
        PayloadError, match=r"masto-main: .*text/html.*not JSON.*example.social is down"
    ) as info:
        fetch(connector(replay, tmp_path, sleeps))
    assert info.value.source == "masto-main"


@pytest.mark.parametrize(
    ("mode", "body", "match"),
    [
        ("hashtag", '[{"id": "1", "created_at": "2026-11-04T', "not JSON"),
        ("hashtag", '{"error": "Record not found"}', "expected a JSON array of statuses"),
        ("search", '{"accounts": []}', "expected a search result with a statuses list"),
        ("search", "[]", "got list"),
    ],
)
def test_malformed_payloads_raise_payload_error(
    replay: Replay,
    tmp_path: Path,
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    body: str,
    match: str,
) -> None:
    monkeypatch.setenv("MONITOR_MASTODON_ACCESS_TOKEN", TOKEN)
    path = TAG if mode == "hashtag" else "/api/v2/search"
    replay.add_response("GET", path, body=body, content_type="application/json")
    with pytest.raises(PayloadError, match=match):
        fetch(connector(replay, tmp_path, sleeps, mode=mode))


# -- errors, rate limits and secrets --------------------------------------------------------------


def test_429_with_iso_reset_is_waited_for(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "rate_limited.replay.json")
    (page,) = fetch(connector(replay, tmp_path, sleeps))
    assert sleeps == [90.0] and page.mentions[0].text == "#acme after the wait"


def test_429_past_the_budget_defers_the_poll(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response(
        "GET",
        TAG,
        status=429,
        json={"error": "Too many requests"},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2026-11-04T10:05:00Z"},
    )
    with pytest.raises(RateLimited) as info:
        fetch(connector(replay, tmp_path, sleeps))
    assert info.value.retry_after == 300 and sleeps == []


def test_503_storm_is_a_transient_error(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    for _ in range(POLICY.max_attempts):
        replay.add_response("GET", TAG, status=503, body="<h1>503</h1>", content_type="text/html")
    with pytest.raises(TransientError, match="failed after 3 attempts: HTTP 503"):
        fetch(connector(replay, tmp_path, sleeps))
    assert len(replay.requests) == 3


def test_hashtag_feed_for_logged_in_users_only_names_the_token_variable(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_response("GET", TAG, status=422, json={"error": "This method requires an authenticated user"})
    access = {"local": "authenticated", "remote": "authenticated"}
    replay.add_response(
        "GET", "/api/v2/instance", json={"configuration": {"timelines_access": {"hashtag_feeds": access}}}
    )
    with pytest.raises(
        AuthError, match=r"shows its hashtag timelines to logged-in users only \(timelines_access"
    ):
        fetch(connector(replay, tmp_path, sleeps, scope="local"))


def test_a_refusal_the_instance_cannot_explain_stays_as_it_was(
    replay: Replay, tmp_path: Path, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_MASTODON_ACCESS_TOKEN", TOKEN)
    replay.add_response("GET", TAG, status=422, json={"error": "Validation failed"})
    replay.add_response("GET", "/api/v2/instance", status=404, json={"error": "Not found"})
    with pytest.raises(ConnectorError, match=r"HTTP 422.*Validation failed") as info:
        fetch(connector(replay, tmp_path, sleeps))
    assert type(info.value) is ConnectorError


def test_secrets_stay_out_of_errors_and_logs(
    replay: Replay,
    tmp_path: Path,
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("MONITOR_MASTODON_ACCESS_TOKEN", TOKEN)
    replay.add_response(
        "GET", TAG, status=503, body=f"upstream saw Bearer {TOKEN}", content_type="text/plain"
    )
    replay.add_response("GET", TAG, status=401, json={"error": f"The access token {TOKEN} is invalid"})
    conn = connector(replay, tmp_path, sleeps)

    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as info:
        fetch(conn)

    assert replay.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(info.value) and "is invalid" in str(info.value)
    assert TOKEN not in caplog.text and "retry 2 of 3" in caplog.text


def test_search_without_a_token_names_the_variable(tmp_path: Path) -> None:
    spec = SourceSpec(
        "masto", "mastodon", Options(mode="search"), "https://mastodon.example", base_dir=tmp_path
    )
    with pytest.raises(ConfigError, match="MONITOR_MASTODON_ACCESS_TOKEN or the setting access_token_file"):
        MastodonConnector(spec)


def test_token_file(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    (tmp_path / "token.txt").write_text(TOKEN + "\n", encoding="utf-8")
    replay.add_response("GET", "/api/v2/search", json={"statuses": []})
    conn = connector(replay, tmp_path, sleeps, mode="search", access_token_file="token.txt")
    assert fetch(conn) == []
    assert replay.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_base_url_is_required(tmp_path: Path) -> None:
    spec = SourceSpec("masto", "mastodon", Options(), None, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="needs base_url, the instance"):
        MastodonConnector(spec)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"limit": 41}, "less than or equal to 40"),
        ({"hashtags": ["acme corp"]}, "is not a hashtag"),
        ({"hashtags": ["2026"]}, "is not a hashtag"),
        ({"mode": "home"}, "Input should be 'hashtag', 'search' or 'public'"),
        ({"instance": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_options_are_validated(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Options(**options)


def test_hashtag_option_drops_the_hash_and_duplicates() -> None:
    assert Options(hashtags=["#Acme", "acme", "acme_app"]).hashtags == ["Acme", "acme_app"]
