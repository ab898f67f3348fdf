"""The replay harness (tests/support/replay.py): every recording in ../shared/data/recordings loads and is
served over real HTTP; method+path matching, queues, query subsets and the unused/unexpected checks.

The recordings are third-party data read in place (never copied here); tests that need them skip
when ../shared is absent. tests/fixtures/replay/ holds a small SYNTHETIC native recording.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from pytest_httpserver import HTTPServer

from tests.conftest import FIXTURES, ROOT, SHARED, shared_path
from tests.support import replay as harness
from tests.support.replay import UNMATCHED_STATUS, Interaction, RecordingError, Replay, load_recording

replay = harness.replay  # the fixture (conftest imports it for every module)

RECORDINGS = SHARED / "data" / "recordings"
SYNTHETIC = FIXTURES / "replay" / "synthetic.replay.json"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


def _all_files() -> list[str]:
    if not RECORDINGS.is_dir():
        return ["<recordings folder absent>"]
    return sorted(p.relative_to(RECORDINGS).as_posix() for p in RECORDINGS.rglob("*") if p.is_file())


def _is_recording(rel: str) -> bool:
    """What ../shared/data/recordings/README.md's format table says is an interaction container;
    everything else there is a bare body, a schema, XML or text."""
    parts = rel.split("/")
    name = parts[-1]
    if name.endswith(".replay.json"):
        return True
    if len(parts) != 2:
        return False  # e.g. x/decoded/*.json: bodies derived for reading
    folder = parts[0]
    return (
        (folder == "reddit" and name.endswith(".json"))
        or (folder in ("x", "mastodon") and name.endswith((".yaml", ".yml")))
        or (folder == "x" and name.endswith(".json"))
    )


ALL_FILES = _all_files()
RECORDING_FILES = [f for f in ALL_FILES if _is_recording(f)] or ["<recordings folder absent>"]


def recording(rel: str) -> Path:
    return shared_path("data", "recordings", *rel.split("/"))


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A client that ignores proxy settings from the environment (the server is on loopback)."""
    with requests.Session() as session:
        session.trust_env = False
        yield session


@pytest.fixture
def bare(httpserver: HTTPServer) -> Replay:
    """A Replay without the fixture's teardown verification, for tests that expect verify() to fail."""
    return Replay(httpserver)


# ----------------------------------------------------------------------------- every file loads


@pytest.mark.parametrize("rel", ALL_FILES)
def test_every_shared_file_loads_or_is_refused_as_not_a_recording(rel: str) -> None:
    path = recording(rel)
    if not _is_recording(rel):
        with pytest.raises(RecordingError, match="not a recording"):
            load_recording(path)
        return
    interactions = load_recording(path)
    assert len(interactions) >= 1
    label = f"{path.parent.name}/{path.name}"
    for index, i in enumerate(interactions):
        assert i.origin == f"{label}#{index}"
        assert i.method in METHODS, i.origin
        assert i.path.startswith("/"), i.origin
        assert 100 <= i.status <= 599, i.origin
        assert isinstance(i.body, bytes), i.origin
        assert not i.body.startswith(b"\x1f\x8b"), f"{i.origin}: body still gzip-compressed"
        names = {name.lower() for name, _ in i.headers}
        assert not names & {"content-encoding", "content-length", "transfer-encoding"}, i.origin
        assert all(isinstance(v, str) for _, v in i.headers), i.origin
        if rel.endswith(".replay.json"):
            assert i.query is None or all(isinstance(v, str) for v in i.query.values()), i.origin
        else:
            assert i.query is None, i.origin
            assert urlsplit(i.uri).path == i.path, i.origin
        if "json" in (i.header("Content-Type") or "") and i.body.strip():
            json.loads(i.body)  # decoded correctly (gzip, text encoding)
    if rel.startswith("reddit/"):
        first = interactions[0]
        assert (first.method, first.path) == ("POST", "/api/v1/access_token")


def test_the_folder_holds_every_format() -> None:
    """Guard against the per-file test silently covering less than the README promises."""
    shared_path("data", "recordings")
    kinds = {
        "betamax": [f for f in RECORDING_FILES if f.startswith("reddit/")],
        "vcrpy yaml": [f for f in RECORDING_FILES if f.endswith(".yaml")],
        "vcrpy json": [f for f in RECORDING_FILES if f.startswith("x/") and f.endswith(".json")],
        "native": [f for f in RECORDING_FILES if f.endswith(".replay.json")],
    }
    assert {k: len(v) >= 1 for k, v in kinds.items()} == dict.fromkeys(kinds, True), kinds
    assert any(not _is_recording(f) for f in ALL_FILES)


@pytest.mark.parametrize(
    "name",
    [
        "SOURCES.txt",
        "bare.json",
        "list.json",
        "feed.xml",
        "broken.json",
        "broken.yaml",
    ],
)
def test_non_recordings_are_refused_with_the_file_named(tmp_path: Path, name: str) -> None:
    contents = {
        "SOURCES.txt": "a <- b\n",
        "bare.json": '{"kind": "youtube#commentThreadListResponse", "items": []}',
        "list.json": '[{"method": "GET", "uri": "https://x/y"}]',
        "feed.xml": "<feed/>",
        "broken.json": "{",
        "broken.yaml": "interactions: [",
    }
    path = tmp_path / name
    path.write_text(contents[name], encoding="utf-8")
    with pytest.raises(RecordingError, match="not a recording") as err:
        load_recording(path)
    assert str(path) in str(err.value)


def test_a_malformed_interaction_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.replay.json"
    path.write_text(
        json.dumps(
            {
                "interactions": [
                    {"request": {"path": "/ok"}, "response": {"status": 200, "body": ""}},
                    {"request": {"path": "/x"}, "response": {"status": 200, "body_file": "missing.json"}},
                ]
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(RecordingError, match=r"/bad\.replay\.json#1: body_file .*missing\.json"):
        load_recording(path)


# ----------------------------------------------------------------------------- served over HTTP


@pytest.mark.parametrize("rel", RECORDING_FILES)
def test_every_recording_is_served_over_http(rel: str, replay: Replay, http: requests.Session) -> None:
    """Each interaction, requested in recorded order with its recorded query, comes back byte for
    byte with its status, a fresh Content-Length and no Content-Encoding; nothing is left unused."""
    interactions = replay.add_file(recording(rel))
    for n, i in enumerate(interactions):
        query = i.query if i.query is not None else urlsplit(i.uri).query
        resp = http.request(i.method, replay.url + i.path, params=query, allow_redirects=False, timeout=10)
        assert resp.status_code == i.status, i.origin
        assert resp.content == i.body, i.origin
        assert "Content-Encoding" not in resp.headers, i.origin
        if i.status not in (204, 304):
            assert resp.headers["Content-Length"] == str(len(i.body)), i.origin
        assert replay.requests[n].origin == i.origin
    replay.verify()


def test_betamax_reddit_cassette(replay: Replay, http: requests.Session) -> None:
    interactions = replay.add_file(recording("reddit/TestSubredditListings.test_new.json"))
    token = http.post(f"{replay.url}/api/v1/access_token", data={"grant_type": "client_credentials"})
    assert token.status_code == 200
    assert token.json()["token_type"] == "bearer"

    # the host (www vs oauth.reddit.com) and the query the recording was made with do not matter
    resp = http.get(f"{replay.url}/r/askreddit/new", params={"limit": "25", "raw_json": "1"})
    assert resp.status_code == 200
    assert resp.content == interactions[1].body
    listing = resp.json()
    assert listing["kind"] == "Listing"
    assert len(listing["data"]["children"]) == 100
    assert {c["kind"] for c in listing["data"]["children"]} == {"t3"}
    assert resp.headers["Content-Type"].startswith("application/json")

    sent = replay.requests
    assert [r.method for r in sent] == ["POST", "GET"]
    assert sent[0].body == b"grant_type=client_credentials"
    assert sent[1].query == {"limit": "25", "raw_json": "1"}
    assert replay.unused() == []
    replay.verify()


def test_reddit_error_cassettes_keep_status_headers_and_bodies(
    replay: Replay, http: requests.Session
) -> None:
    replay.add_file(
        recording("reddit/prawcore.TestSession.test_request__too__many_requests__with_retry_headers.json")
    )
    http.post(f"{replay.url}/api/v1/access_token")
    resp = http.get(f"{replay.url}/api/v1/me")
    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "4"
    assert "<html" in resp.text.lower()


def test_gzip_body_and_header_of_a_betamax_cassette_503(replay: Replay, http: requests.Session) -> None:
    """The cassette says Content-Encoding: gzip over an empty decoded body: served as plain, empty."""
    replay.add_file(recording("reddit/prawcore.TestSession.test_request__service_unavailable.json"))
    http.post(f"{replay.url}/api/v1/access_token")
    for _ in range(3):
        resp = http.get(f"{replay.url}/", params={"raw_json": "1"})
        assert (resp.status_code, resp.content) == (503, b"")
        assert "Content-Encoding" not in resp.headers
        assert resp.headers["Content-Length"] == "0"


def test_percent_encoded_paths_match_the_recorded_placeholder(replay: Replay, http: requests.Session) -> None:
    replay.add_file(recording("reddit/TestSubredditStreams.test_comments__with_continue_after_id.json"))
    http.post(f"{replay.url}/api/v1/access_token")
    first = http.get(f"{replay.url}/r/%3CTEST_SUBREDDIT%3E/comments")  # no trailing slash either
    second = http.get(f"{replay.url}/r/<TEST_SUBREDDIT>/comments/", params={"before": "t1_x"})
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(first.json()["data"]["children"]) == 100
    assert len(second.json()["data"]["children"]) == 95
    remaining = [r.headers["x-ratelimit-remaining"] for r in (first, second)]
    assert remaining == ["599.0", "598.0"]
    assert replay.requests[1].path == "/r/<TEST_SUBREDDIT>/comments"


def test_tweepy_gzip_yaml_cassette_is_served_decompressed(replay: Replay, http: requests.Session) -> None:
    (interaction,) = replay.add_file(recording("x/test_client_search_recent_tweets.yaml"))
    resp = http.get(
        f"{replay.url}/2/tweets/search/recent",
        params={"query": '"acme corp" OR acmeapp', "max_results": "100"},
        headers={"Accept-Encoding": "identity"},
    )
    assert resp.status_code == 200
    assert "Content-Encoding" not in resp.headers
    assert resp.content == interaction.body
    assert resp.headers["Content-Length"] == str(len(interaction.body))
    body = resp.json()
    assert body["meta"]["result_count"] == 10
    assert len(body["data"]) == 10
    assert {"id", "text", "edit_history_tweet_ids"} <= set(body["data"][0])
    assert int(resp.headers["x-rate-limit-reset"]) > 1_600_000_000  # a Unix time
    assert replay.requests[0].query["query"] == '"acme corp" OR acmeapp'


def test_decoded_body_matches_the_folders_decoded_copy() -> None:
    """x/decoded/*.json (derived in the shared folder by gunzipping the same cassettes) agrees."""
    for name in ("test_client_get_tweet", "test_client_search_recent_tweets"):
        (interaction,) = load_recording(recording(f"x/{name}.yaml"))
        (decoded,) = json.loads(recording(f"x/decoded/{name}.json").read_text(encoding="utf-8"))
        assert interaction.json() == decoded["body"]
        assert interaction.status == decoded["status"]["code"]


def test_aiohttp_cassette_stores_text_under_a_gzip_header(replay: Replay, http: requests.Session) -> None:
    replay.add_file(recording("x/test_asyncclient_search_recent_tweets.yaml"))
    resp = http.get(f"{replay.url}/2/tweets/search/recent", params={"query": "Tweepy"})
    assert resp.json()["meta"]["result_count"] == 10


def test_vcrpy_json_cassette(replay: Replay, http: requests.Session) -> None:
    replay.add_file(recording("x/testmentionstimeline.json"))
    resp = http.get(f"{replay.url}/1.1/statuses/mentions_timeline.json")
    assert (resp.status_code, resp.json()) == (200, [])


def test_mastodon_cassette_from_two_hosts_is_one_queue(replay: Replay, http: requests.Session) -> None:
    interactions = replay.add_file(recording("mastodon/test_timeline_disabled.yaml"))
    v2 = [i for i in interactions if i.path == "/api/v2/instance/"]
    v1 = [i for i in interactions if i.path == "/api/v1/instance/"]
    assert [urlsplit(i.uri).hostname for i in v2] == ["localhost", "mastodon.social"]
    got_v2 = [http.get(f"{replay.url}/api/v2/instance").content for _ in v2]
    got_v1 = [http.get(f"{replay.url}/api/v1/instance/").content for _ in v1]
    assert got_v2 == [i.body for i in v2]
    assert got_v1 == [i.body for i in v1]
    social = json.loads(got_v2[1])
    assert social["configuration"]["timelines_access"]
    replay.allow_unused()  # the public timeline is left out on purpose


# ----------------------------------------------------------------------------- native replay


def test_native_query_subset_hn_algolia(httpserver: HTTPServer, http: requests.Session) -> None:
    r = Replay(httpserver)
    interactions = r.add_file(recording("hn_algolia/fraction_node-hacker-news-api_fixtures_2014.replay.json"))
    story = next(i for i in interactions if i.path == "/api/v1/search" and i.query == {"tags": "(story)"})

    # extra parameters (hitsPerPage) are fine; the listed ones must be there with those values
    resp = http.get(f"{r.url}/api/v1/search", params={"tags": "(story)", "hitsPerPage": "50"})
    assert resp.status_code == 200
    assert resp.json() == story.json()
    assert r.requests[0].origin == story.origin

    miss = http.get(f"{r.url}/api/v1/search", params={"tags": "(job)"})
    assert miss.status_code == UNMATCHED_STATUS
    assert miss.text == "no recording for GET /api/v1/search"
    assert [u.query for u in r.unexpected()] == [{"tags": "(job)"}]
    with pytest.raises(AssertionError, match=r"unexpected request: GET /api/v1/search\?tags=%28job%29"):
        r.verify(check_unused=False)


def test_native_body_file_appstore(replay: Replay, http: requests.Session) -> None:
    replay.add_file(recording("appstore/itunes_rss_customerreviews_jp_id1404176564_page1.replay.json"))
    expected = recording("appstore/itunes_rss_customerreviews_jp_id1404176564_page1.json").read_bytes()
    resp = http.get(f"{replay.url}/jp/rss/customerreviews/id=1404176564/sortBy=mostRecent/json")
    assert resp.status_code == 200
    assert resp.content == expected
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    assert len(resp.json()["feed"]["entry"]) == 50
    replay.allow_unused()


def test_native_synthetic_fixture_every_body_form(replay: Replay, http: requests.Session) -> None:
    interactions = replay.add_file(SYNTHETIC)
    assert [i.query for i in interactions[:2]] == [{"q": "acme corp", "page": "2"}, {"q": "acme corp"}]
    base = replay.url

    page1 = http.get(f"{base}/v1/items", params={"q": "acme corp", "limit": "10"})
    assert page1.json() == {"items": [{"id": "1", "text": "acme"}], "next": "2"}
    assert page1.headers["X-RateLimit-Remaining"] == "41"
    page2 = http.get(f"{base}/v1/items/", params={"q": "acme corp", "page": "2"})
    assert page2.json()["items"][0]["text"] == "café ☕"

    status = http.get(f"{base}/v1/status")
    assert (status.text, status.headers["Content-Type"]) == ("ok", "text/plain; charset=utf-8")

    broken = http.get(f"{base}/v1/items/broken")
    assert broken.status_code == 502
    assert broken.headers["Retry-After"] == "7"
    assert broken.content == (FIXTURES / "replay" / "synthetic_bad_gateway.html").read_bytes()

    blob = http.post(f"{base}/v1/blob", data=b"payload")
    assert (blob.status_code, blob.content) == (201, b"\x00\x01binary\xff")

    zipped = http.get(f"{base}/v1/zipped", headers={"Accept-Encoding": "identity"})
    assert zipped.content == b'{"zipped": true}'
    assert zipped.headers["Content-Length"] == "16"
    assert "Content-Encoding" not in zipped.headers
    assert "keep-alive" not in zipped.headers.get("Connection", "")
    assert [r.origin for r in replay.requests] == [interactions[n].origin for n in (1, 0, 2, 3, 4, 5)]


# ----------------------------------------------------------------------------- verify


def test_verify_names_every_unused_recording(bare: Replay, http: requests.Session) -> None:
    bare.add_file(recording("reddit/TestSubredditListings.test_new.json"))
    bare.add_response("GET", "/extra")
    http.post(f"{bare.url}/api/v1/access_token")
    assert bare.unused()[0].origin == "reddit/TestSubredditListings.test_new.json#1"
    with pytest.raises(AssertionError) as err:
        bare.verify()
    message = str(err.value)
    assert "2 unused recording(s), 0 unexpected request(s)" in message
    assert "reddit/TestSubredditListings.test_new.json#1 (GET /r/askreddit/new)" in message
    assert "test_replay.py:" in message and "add_response (GET /extra)" in message
    assert "#0" not in message  # the token request was used

    bare.allow_unused()
    bare.verify()  # the opt-out
    with pytest.raises(AssertionError):
        bare.verify(check_unused=True)


def test_verify_names_every_unexpected_request(bare: Replay, http: requests.Session) -> None:
    bare.add_response("GET", "/known", json={"ok": True})
    assert http.get(f"{bare.url}/known").json() == {"ok": True}
    resp = http.delete(f"{bare.url}/nope/", params={"x": "1"})
    assert resp.status_code == UNMATCHED_STATUS == 599
    assert resp.text == "no recording for DELETE /nope/"
    assert resp.headers["Content-Type"].startswith("text/plain")
    wrong_method = http.post(f"{bare.url}/known")
    assert wrong_method.status_code == 599

    assert [r.describe() for r in bare.unexpected()] == ["DELETE /nope/?x=1", "POST /known"]
    assert bare.unused() == []
    bare.allow_unused()  # does not excuse unexpected requests
    with pytest.raises(AssertionError) as err:
        bare.verify()
    message = str(err.value)
    assert "0 unused recording(s), 2 unexpected request(s)" in message
    assert "unexpected request: DELETE /nope/?x=1 (no recording for DELETE /nope)" in message
    wrong = "POST /known (no recording for POST /known; this path was recorded for GET)"
    assert f"unexpected request: {wrong}" in message


def test_a_used_up_queue_answers_599(bare: Replay, http: requests.Session) -> None:
    bare.add_response("GET", "/once", body="first")
    assert http.get(f"{bare.url}/once").text == "first"
    again = http.get(f"{bare.url}/once")
    assert again.status_code == 599
    with pytest.raises(AssertionError, match=r"all 1 recording\(s\) for GET /once were already used"):
        bare.verify()


def test_query_mismatch_is_explained(bare: Replay, http: requests.Session) -> None:
    bare.add_response("GET", "/search?q=acme", json=[])
    assert http.get(f"{bare.url}/search", params={"q": "globex"}).status_code == 599
    with pytest.raises(AssertionError, match=r"need other parameters: .* wants query ⊇ \{'q': 'acme'\}"):
        bare.verify()


# ----------------------------------------------------------------------------- matching semantics


def test_trailing_slash_is_ignored_both_ways(replay: Replay, http: requests.Session) -> None:
    replay.add_file(recording("reddit/TestSubreddits.test_search.json"))  # recorded /subreddits/search/
    replay.add_response("GET", "/a/b", body="no slash recorded")
    replay.add_response("GET", "/", body="root")
    http.post(f"{replay.url}/api/v1/access_token")
    assert http.get(f"{replay.url}/subreddits/search", params={"q": "acme"}).status_code == 200
    assert http.get(f"{replay.url}/a/b/").text == "no slash recorded"
    assert http.get(replay.url).text == "root"


def test_same_key_is_served_in_the_order_added(replay: Replay, http: requests.Session) -> None:
    interactions = replay.add_file(recording("reddit/TestSubredditStreams.test_comments__with_pause.json"))
    replay.add_response("GET", "/r/kakapo/comments", body="added after the file")
    http.post(f"{replay.url}/api/v1/access_token")
    bodies = [http.get(f"{replay.url}/r/kakapo/comments/").content for _ in range(4)]
    assert bodies == [i.body for i in interactions[1:]] + [b"added after the file"]
    counts = [len(json.loads(b)["data"]["children"]) for b in bodies[:3]]
    assert counts == [16, 0, 17]


def test_percent_decoding_is_normalised(replay: Replay, http: requests.Session) -> None:
    replay.add_response("GET", "/tags/caf%C3%A9", body="encoded in the recording")
    replay.add_response("GET", "/tags/thé", body="decoded in the recording")
    assert http.get(f"{replay.url}/tags/café").text == "encoded in the recording"
    assert http.get(f"{replay.url}/tags/th%C3%A9").text == "decoded in the recording"


def test_add_response_raw_bodies_headers_and_json(replay: Replay, http: requests.Session) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    replay.add_response("GET", "/feed", status=502, body=page, content_type="text/html")
    replay.add_response(
        "GET",
        "/limited",
        status=429,
        json={"title": "Too Many Requests"},
        headers=[
            ("Retry-After", "30"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
            ("Content-Length", "1"),
        ],
    )
    replay.add_response("GET", "/truncated", body='{"items": [', headers={"Content-Type": "application/json"})
    replay.add_response("GET", "/bytes", body=b"\xff\xfe")
    replay.add_response("GET", "/empty", status=204)

    feed = http.get(f"{replay.url}/feed")
    assert (feed.status_code, feed.text, feed.headers["Content-Type"]) == (502, page, "text/html")
    limited = http.get(f"{replay.url}/limited")
    assert (limited.status_code, limited.json()) == (429, {"title": "Too Many Requests"})
    assert limited.headers["Retry-After"] == "30"
    assert limited.headers["Content-Type"] == "application/json"
    assert limited.headers["Content-Length"] == str(len(limited.content))
    assert limited.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    truncated = http.get(f"{replay.url}/truncated")
    with pytest.raises(ValueError):
        truncated.json()
    raw = http.get(f"{replay.url}/bytes")
    assert raw.content == b"\xff\xfe"
    assert "Content-Type" not in raw.headers  # none given, none invented
    assert http.get(f"{replay.url}/empty").status_code == 204
    with pytest.raises(ValueError, match="json or body"):
        replay.add_response("GET", "/x", json={}, body="")


def test_requests_record_what_the_client_sent(replay: Replay, http: requests.Session) -> None:
    replay.add_response("POST", "/api/v1/access_token", json={"access_token": "t"})
    replay.add_response("GET", "/search")
    http.post(
        f"{replay.url}/api/v1/access_token?scope=read",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic abc", "User-Agent": "monitor/test"},
    )
    http.get(f"{replay.url}/search", params=[("q", "acme corp"), ("tag", "a"), ("tag", "b")])
    token, search = replay.requests
    assert token.method == "POST"
    assert token.path == "/api/v1/access_token"
    assert token.query == {"scope": "read"}
    assert token.body == b"grant_type=client_credentials"
    assert token.headers["authorization"] == token.headers["Authorization"] == "Basic abc"
    assert "user-agent" in token.headers and token.headers.get("USER-AGENT") == "monitor/test"
    assert isinstance(token.headers, dict)
    assert search.query == {"q": "acme corp", "tag": "a"}  # the first value of each
    assert search.query_string == "q=acme+corp&tag=a&tag=b"


def test_one_replay_per_server(replay: Replay, httpserver: HTTPServer) -> None:
    with pytest.raises(RuntimeError, match="already has a Replay"):
        Replay(httpserver)


def test_url_is_a_loopback_base_url(replay: Replay) -> None:
    parts = urlsplit(replay.url)
    assert parts.scheme == "http"
    assert parts.hostname in ("127.0.0.1", "::1", "localhost")
    assert parts.port and not parts.path


def test_concurrent_requests_each_get_one_interaction(http: requests.Session) -> None:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        r = Replay(server)
        n = 40
        r.add(
            Interaction("GET", "/page", None, 200, [], str(k).encode(), origin=f"page#{k}") for k in range(n)
        )
        r.add_response("GET", "/other", body="x")
        barrier = threading.Barrier(8)

        def fetch(k: int) -> str:
            if k < 8:
                barrier.wait(timeout=10)
            with requests.Session() as s:
                s.trust_env = False
                return s.get(f"{r.url}/page", timeout=10).text

        with ThreadPoolExecutor(max_workers=8) as pool:
            bodies = list(pool.map(fetch, range(n)))
        assert sorted(bodies, key=int) == [str(k) for k in range(n)]
        assert http.get(f"{r.url}/other").text == "x"
        assert http.get(f"{r.url}/page").status_code == 599
        assert len(r.requests) == n + 2
        assert r.unused() == []
        assert len(r.unexpected()) == 1
    finally:
        server.clear()
        server.stop()


# ----------------------------------------------------------------------------- real client libraries


def test_praw_runs_against_a_replayed_cassette(replay: Replay) -> None:
    praw = pytest.importorskip("praw")
    replay.add_file(recording("reddit/TestSubredditListings.test_new.json"))
    reddit = praw.Reddit(
        client_id="id",
        client_secret="secret",
        user_agent="monitor-test",
        check_for_updates=False,  # praw would ask PyPI for a newer version: no network in tests
        reddit_url=replay.url,
        oauth_url=replay.url,
    )
    posts = list(reddit.subreddit("askreddit").new(limit=100))
    assert len(posts) == 100
    assert replay.requests[1].query.get("limit") == "100"


def test_tweepy_runs_against_a_replayed_cassette(replay: Replay) -> None:
    tweepy = pytest.importorskip("tweepy")
    replay.add_file(recording("x/test_client_search_recent_tweets.yaml"))
    base = replay.url

    class Rewrite(requests.adapters.HTTPAdapter):
        def send(self, request: requests.PreparedRequest, **kw: object) -> requests.Response:  # type: ignore[override]
            request.url = (request.url or "").replace("https://api.twitter.com", base, 1)
            return super().send(request, **kw)  # type: ignore[arg-type]

    client = tweepy.Client(bearer_token="test")
    client.session.trust_env = False
    client.session.mount("https://api.twitter.com", Rewrite())
    response = client.search_recent_tweets("acme", max_results=10)
    assert len(response.data) == 10
    assert replay.requests[0].headers["authorization"] == "Bearer test"
    assert replay.requests[0].query["query"] == "acme"


# ----------------------------------------------------------------------------- the fixture's teardown


@pytest.mark.slow
def test_fixture_fails_a_test_that_leaves_a_recording_unused(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_inner.py").write_text(
        textwrap.dedent("""
            import requests
            from tests.support.replay import replay  # noqa: F401

            def get(url):
                with requests.Session() as s:
                    s.trust_env = False
                    return s.get(url)

            def test_all_used(replay):
                replay.add_response("GET", "/a", body="a")
                assert get(replay.url + "/a").text == "a"

            def test_unused(replay):
                replay.add_response("GET", "/a", body="a")
                replay.add_response("GET", "/never", body="b")
                get(replay.url + "/a")

            def test_opted_out(replay):
                replay.add_response("GET", "/never", body="b")
                replay.allow_unused()

            def test_unexpected(replay):
                get(replay.url + "/surprise")

            def test_already_failing(replay):
                replay.add_response("GET", "/never", body="b")
                assert False, "the test's own failure"
        """),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", "test_inner.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "1 failed, 4 passed, 2 errors" in out, out
    assert "ERROR test_inner.py::test_unused" in out
    assert "ERROR test_inner.py::test_unexpected" in out
    assert "FAILED test_inner.py::test_already_failing" in out
    assert "ERROR test_inner.py::test_already_failing" not in out
    assert "unused recording: test_inner.py:16 add_response (GET /never)" in out
    assert "unexpected request: GET /surprise" in out
