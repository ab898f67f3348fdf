"""The hackernews connector: our HttpClient against the replay server.

The real recordings are node-hacker-news-api's 2014 captures of hn.algolia.com
(../shared/data/recordings/hn_algolia, read in place; skipped when absent). Everything else is a
synthetic fixture in tests/fixtures/hackernews/ (each says so in its "comment") or an `add_response`
written here. Time and sleep are injected: nothing sleeps.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import ConnectorError, PayloadError, RateLimited, TransientError
from connectors.hackernews import Options, build
from connectors.hackernews.connector import SEARCH_PATH, HackerNewsConnector
from connectors.hackernews.mapping import CURSOR, ITEM_URL, algolia_searches
from connectors.html_text import html_to_text
from connectors.http import HttpPolicy
from connectors.query import parse_query
from connectors.spec import SourceSpec
from connectors.types import BrandQuery, Page
from tests.conftest import shared_path
from tests.support.replay import Interaction, Replay, load_recording

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hackernews"
T0 = 1793782800  # 2026-11-04T09:00:00Z, the time base of the fixtures
POLICY = HttpPolicy(connect_timeout=2, read_timeout=5, max_attempts=3, backoff_base=1, time_budget=60)


def connector(replay: Replay, tmp_path: Path, sleeps: list[float], **options: Any) -> HackerNewsConnector:
    spec = SourceSpec(
        name="hn-main",
        type="hackernews",
        options=Options(**options),
        base_url=replay.url,
        timeout=5,
        base_dir=tmp_path,
        overlap=300.0,
    )
    return HackerNewsConnector(spec, policy=POLICY, sleep=sleeps.append, rng=random.Random(5))


def fetch(conn: HackerNewsConnector, query: str = "acme", cursor: str | None = None) -> list[Page]:
    return list(conn.fetch(BrandQuery("acme", parse_query(query)), cursor))


def hits_page(hits: list[dict[str, Any]], nb_hits: int | None = None, nb_pages: int = 1) -> dict[str, Any]:
    """A synthetic search_by_date body."""
    return {"hits": hits, "nbHits": len(hits) if nb_hits is None else nb_hits, "nbPages": nb_pages,
            "hitsPerPage": 100, "page": 0}  # fmt: skip


def hit(object_id: int, at: int, text: str = "acme rocks") -> dict[str, Any]:
    """A synthetic comment hit."""
    return {"objectID": str(object_id), "created_at_i": at, "comment_text": text, "author": "sam",
            "story_title": "Something else", "_tags": ["comment"]}  # fmt: skip


def numeric(request: Any) -> str | None:
    return request.query.get("numericFilters")


# -- the real recordings --------------------------------------------------------------------------


def recorded_by_date() -> list[Interaction]:
    path = shared_path(
        "data", "recordings", "hn_algolia", "fraction_node-hacker-news-api_fixtures_2014.replay.json"
    )
    return [i for i in load_recording(path) if i.key == ("GET", SEARCH_PATH)]


def test_every_recorded_search_by_date_reply_maps_to_mentions(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    recorded = recorded_by_date()
    assert recorded, "the recording holds search_by_date replies"
    for interaction in recorded:
        # Served whatever our query string says (the recording's tags differ from ours).
        replay.add([dataclasses.replace(interaction, query=None)])
        conn = connector(replay, tmp_path, sleeps)
        before = len(replay.requests)

        pages = fetch(conn, "apple")

        body = interaction.json()
        mentions = [m for p in pages for m in p.mentions]
        assert [m.native_id for m in mentions] == [h["objectID"] for h in body["hits"]], interaction.origin
        for m, h in zip(mentions, body["hits"], strict=True):
            assert m.source == "hackernews" and m.source_name == "hn-main" and m.brand == "acme"
            assert m.created_at == datetime.fromtimestamp(h["created_at_i"], UTC)
            assert m.url == f"{ITEM_URL}{h['objectID']}" and m.author == h["author"]
            if h.get("comment_text"):
                assert m.text == html_to_text(h["comment_text"]) and m.title is None
            else:
                assert m.title == h["title"] and m.text == html_to_text(h["story_text"])
            assert "<" not in m.text and "&#x" not in m.text
            assert "_highlightResult" not in m.raw and m.raw["objectID"] == h["objectID"]
            counts = [c for c in (h.get("points"), h.get("num_comments")) if isinstance(c, int)]
            assert m.engagement == (sum(counts) if counts else None)
        # The first poll reads backfill_pages (1) page even though the replies claim 1,000 pages.
        assert len(replay.requests) == before + 1
        request = replay.requests[-1]
        assert request.query["query"] == "apple" and request.query["tags"] == "(story,comment)"
        assert request.query["page"] == "0" and "numericFilters" not in request.query
        assert pages[-1].cursor and CURSOR.read(pages[-1].cursor).terms["apple"].top == max(
            h["created_at_i"] for h in body["hits"]
        )
    assert sleeps == []


def test_recorded_comment_html_becomes_plain_text(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    (comments,) = [i for i in recorded_by_date() if i.query == {"tags": "(comment)"}]
    replay.add([comments])
    conn = connector(replay, tmp_path, sleeps, tags=["comment"])

    (page,) = fetch(conn, "fibonacci")

    (mention,) = page.mentions
    raw = comments.json()["hits"][0]
    assert mention.native_id == raw["objectID"] and mention.title is None
    assert "https://hn.algolia.com/" in mention.text and "What's fascinating" in mention.text
    assert mention.raw["story_title"] == raw["story_title"]  # the thread, kept for audit only
    assert replay.requests[0].query["tags"] == "(comment)"


def test_polling_the_same_recorded_reply_again_asks_once_and_finds_nothing_new(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    # A replay ignores numericFilters and the 2014 reply claims 1,000 pages: the second poll must
    # still stop after one request, since nothing on it is newer than the first poll's top.
    (comments,) = [i for i in recorded_by_date() if i.query == {"tags": "(comment)"}]
    replay.add([comments, dataclasses.replace(comments, query=None)])
    conn = connector(replay, tmp_path, sleeps, tags=["comment"], max_pages=20)

    (first,) = fetch(conn, "apple")
    second = fetch(conn, "apple", first.cursor)

    assert len(replay.requests) == 2 and numeric(replay.requests[1]).startswith("created_at_i>")
    assert [m.key for p in second for m in p.mentions] == [m.key for m in first.mentions]  # the overlap
    assert all(p.cursor == first.cursor for p in second)


# -- paging, time slices and the cursor -----------------------------------------------------------


def test_two_pages_then_resume_asks_only_for_newer_hits(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_file(FIXTURES / "two_pages.replay.json")
    conn = connector(replay, tmp_path, sleeps, hits_per_page=2, backfill_pages=3)

    pages = fetch(conn)

    assert [[m.native_id for m in p.mentions] for p in pages] == [
        ["9000004", "9000003"],
        ["9000002", "9000001"],
    ]
    first, story = pages[0].mentions
    assert first.text.startswith("I moved to Acme & it's great:") and "https://acme.example/x" in first.text
    assert (story.title, story.text, story.engagement) == (
        "Show HN: Acme for cats",
        "Acme, now with cats",
        16,
    )
    assert [r.query["page"] for r in replay.requests] == ["0", "1"]
    assert all(r.query["hitsPerPage"] == "2" for r in replay.requests)
    cursor = pages[-1].cursor
    assert json.loads(cursor) == {"terms": {"acme": {"top": T0 + 600}}}

    replay.add_response("GET", SEARCH_PATH, json=hits_page([hit(9000009, T0 + 900), hit(9000004, T0 + 600)]))
    (page,) = fetch(conn, cursor=cursor)

    assert numeric(replay.requests[-1]) == f"created_at_i>{T0 + 600 - 300}"
    assert [m.native_id for m in page.mentions] == ["9000009", "9000004"]  # 600 is inside the overlap
    assert json.loads(page.cursor) == {"terms": {"acme": {"top": T0 + 900}}}


def test_past_the_1000_hit_cap_the_window_is_sliced_by_time(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    replay.add_file(FIXTURES / "capped.replay.json")
    conn = connector(replay, tmp_path, sleeps, hits_per_page=500, backfill_pages=5)

    pages = fetch(conn)

    ids = [m.native_id for p in pages for m in p.mentions]
    assert len(pages) == 3 and len(set(ids)) == 8 and ids.count("9100004") == 2  # boundary second, twice
    assert [(r.query["page"], numeric(r)) for r in replay.requests] == [
        ("0", None),
        ("1", None),
        ("0", f"created_at_i<={T0 + 700}"),  # continue below the oldest seen, from page 0
    ]
    assert json.loads(pages[-1].cursor) == {"terms": {"acme": {"top": T0 + 900}}}


def test_a_resumed_window_past_the_cap_keeps_its_floor(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    conn = connector(replay, tmp_path, sleeps, hits_per_page=2)
    capped = hits_page([hit(5, T0 + 500), hit(4, T0 + 400)], nb_hits=1500, nb_pages=1)
    replay.add_response("GET", SEARCH_PATH, json={**capped, "hitsPerPage": 2})
    replay.add_response("GET", SEARCH_PATH, json=hits_page([hit(3, T0 + 350)]), query={"page": 0})

    pages = fetch(conn, cursor=str(T0 + 300))  # a bare Unix time: the top of every search

    assert [numeric(r) for r in replay.requests] == [
        f"created_at_i>{T0}",
        f"created_at_i>{T0},created_at_i<={T0 + 400}",
    ]
    assert [m.native_id for p in pages for m in p.mentions] == ["5", "4", "3"]
    assert json.loads(pages[-1].cursor) == {"terms": {"acme": {"top": T0 + 500}}}


def test_running_out_of_pages_leaves_a_gap_the_next_poll_reads_first(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    conn = connector(replay, tmp_path, sleeps, hits_per_page=2, max_pages=2)
    cursor = json.dumps({"terms": {"acme": {"top": T0}}})
    for n, (a, b) in enumerate([(T0 + 900, T0 + 800), (T0 + 700, T0 + 600)]):
        replay.add_response(
            "GET",
            SEARCH_PATH,
            json={**hits_page([hit(a, a), hit(b, b)], 10, 5), "hitsPerPage": 2},
            query={"page": n},
        )

    with caplog.at_level(logging.WARNING, logger="connectors.hackernews"):
        pages = fetch(conn, cursor=cursor)

    state = json.loads(pages[-1].cursor)["terms"]["acme"]
    assert state == {"top": T0 + 900, "gap": [T0 - 300, T0 + 600]}
    assert json.loads(pages[0].cursor)["terms"]["acme"] == {"top": T0 + 900, "gap": [T0 - 300, T0 + 800]}
    assert "hn-main" in caplog.text and "read by the next poll" in caplog.text

    # Next poll: the gap first (bounded on both sides), then what is new since the top.
    replay.add_response("GET", SEARCH_PATH, json=hits_page([hit(T0 + 600, T0 + 600), hit(T0 + 1, T0 + 1)]))
    replay.add_response("GET", SEARCH_PATH, json=hits_page([hit(T0 + 950, T0 + 950)]))
    pages = fetch(conn, cursor=pages[-1].cursor)

    assert [numeric(r) for r in replay.requests[-2:]] == [
        f"created_at_i>{T0 - 300},created_at_i<={T0 + 600}",
        f"created_at_i>{T0 + 600}",
    ]
    assert [m.native_id for p in pages for m in p.mentions] == [str(T0 + 600), str(T0 + 1), str(T0 + 950)]
    assert json.loads(pages[0].cursor)["terms"]["acme"] == {"top": T0 + 900}  # gap closed
    assert json.loads(pages[-1].cursor)["terms"]["acme"] == {"top": T0 + 950}


def test_a_server_ignoring_numeric_filters_stops_at_the_floor(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    conn = connector(replay, tmp_path, sleeps, hits_per_page=3)
    old = [hit(3, T0 + 30), hit(2, T0 - 1000), hit(1, T0 - 2000)]
    replay.add_response("GET", SEARCH_PATH, json={**hits_page(old, 300, 100), "hitsPerPage": 3})

    (page,) = fetch(conn, cursor=json.dumps({"terms": {"acme": {"top": T0}}}))

    assert [m.native_id for m in page.mentions] == ["3"] and len(replay.requests) == 1


def test_one_search_per_term_and_each_keeps_its_own_state(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    conn = connector(replay, tmp_path, sleeps)
    replay.add_response(
        "GET", SEARCH_PATH, json=hits_page([hit(2, T0 + 20, "acmeapp!")]), query={"query": "acmeapp"}
    )
    replay.add_response(
        "GET", SEARCH_PATH, json=hits_page([hit(1, T0 + 10, "acme corp")]), query={"query": '"acme corp"'}
    )
    cursor = json.dumps({"terms": {"acmeapp": {"top": T0}, "gone": {"top": T0 - 5}}})

    pages = fetch(conn, '("acme corp" OR acmeapp) -hiring', cursor)

    assert [r.query["query"] for r in replay.requests] == ["acmeapp", '"acme corp"']
    assert numeric(replay.requests[0]) == f"created_at_i>{T0 - 300}"
    assert numeric(replay.requests[1]) is None  # a term new to the query starts with a backfill
    assert json.loads(pages[-1].cursor) == {
        "terms": {"acmeapp": {"top": T0 + 20}, '"acme corp"': {"top": T0 + 10}}
    }


@pytest.mark.parametrize(
    ("query", "searches"),
    [
        ('"acme corp" OR acme OR acmeapp -hiring', ["acme", "acmeapp"]),
        ('("acme corp" OR acmeapp) -hiring', ["acmeapp", '"acme corp"']),
        ("#acme OR @acme OR acme*", ["acme"]),
        ("Straße OR STRASSE", ["Straße", "STRASSE"]),
        ("acme source:reddit", []),
        ("acme -source:hackernews", []),
        ("acme -source:x", ["acme"]),
    ],
)
def test_algolia_searches(query: str, searches: list[str]) -> None:
    assert algolia_searches(parse_query(query)) == searches


def test_a_query_for_other_platforms_asks_nothing(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    assert fetch(connector(replay, tmp_path, sleeps), "acme source:reddit") == []
    assert replay.requests == []


def test_unreadable_cursor_reads_as_a_first_poll(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_response("GET", SEARCH_PATH, json=hits_page([hit(1, T0)]))
    with caplog.at_level(logging.WARNING, logger="connectors.hackernews"):
        (page,) = fetch(connector(replay, tmp_path, sleeps), cursor='{"terms": {"acme": {"top": "soon"}}}')
    assert "hn-main: unreadable cursor" in caplog.text
    assert numeric(replay.requests[0]) is None and len(page.mentions) == 1


def test_empty_result_yields_nothing(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "empty.replay.json")
    assert fetch(connector(replay, tmp_path, sleeps)) == []


def test_nothing_new_on_resume_yields_nothing(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "empty.replay.json")
    assert (
        fetch(connector(replay, tmp_path, sleeps), cursor=json.dumps({"terms": {"acme": {"top": T0}}})) == []
    )


# -- malformed hits and payloads ------------------------------------------------------------------


def test_malformed_hits_are_logged_with_the_source_and_skipped(
    replay: Replay, tmp_path: Path, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_file(FIXTURES / "malformed_hits.replay.json")
    with caplog.at_level(logging.WARNING, logger="connectors.hackernews"):
        (page,) = fetch(connector(replay, tmp_path, sleeps))

    assert [m.native_id for m in page.mentions] == ["9300001", "9300008"]
    assert page.rejected == 7
    last = page.mentions[1]
    assert (last.title, last.text, last.author, last.engagement) == ("Acme title", "", None, None)
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 7 and all(s.startswith("hn-main: GET /api/v1/search_by_date") for s in skipped)
    for reason in ("without comment_text", "objectID is missing", "created_at_i is str", "not an ISO 8601",
                   "not an object", "without title or text", "comment_text is empty"):  # fmt: skip
        assert any(reason in s for s in skipped), reason


def test_html_error_page_is_a_payload_error(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "html_error.replay.json")
    with pytest.raises(PayloadError, match=r"hn-main: .*not JSON.*Service Unavailable") as info:
        fetch(connector(replay, tmp_path, sleeps))
    assert info.value.source == "hn-main"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('{"hits": [{"objectID": "1", "created_at_i": 17', "not JSON"),
        ('{"message": "Invalid parameters"}', "expected an Algolia search response"),
        ('{"hits": {"objectID": "1"}}', "expected an Algolia search response"),
        ("[]", "got list"),
    ],
)
def test_malformed_payloads_raise_payload_error(
    replay: Replay, tmp_path: Path, sleeps: list[float], body: str, match: str
) -> None:
    replay.add_response("GET", SEARCH_PATH, body=body, content_type="application/json")
    with pytest.raises(PayloadError, match=match):
        fetch(connector(replay, tmp_path, sleeps))


def test_missing_counts_page_while_pages_are_full(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    conn = connector(replay, tmp_path, sleeps, hits_per_page=2, backfill_pages=5)
    replay.add_response(
        "GET", SEARCH_PATH, json={"hits": [hit(4, T0 + 4), hit(3, T0 + 3)]}, query={"page": 0}
    )
    replay.add_response("GET", SEARCH_PATH, json={"hits": [hit(2, T0 + 2)]}, query={"page": 1})

    pages = fetch(conn)

    assert [m.native_id for p in pages for m in p.mentions] == ["4", "3", "2"] and len(replay.requests) == 2


# -- errors and rate limits -----------------------------------------------------------------------


def test_429_with_retry_after_is_waited_for(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_file(FIXTURES / "rate_limited.replay.json")
    (page,) = fetch(connector(replay, tmp_path, sleeps))
    assert sleeps == [7.0] and [m.native_id for m in page.mentions] == ["9200001"]


def test_429_past_the_budget_defers_the_poll(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response("GET", SEARCH_PATH, status=429, headers={"Retry-After": "3600"}, json={"status": 429})
    with pytest.raises(RateLimited) as info:
        fetch(connector(replay, tmp_path, sleeps))
    assert info.value.retry_after == 3600 and sleeps == []


def test_503_storm_is_a_transient_error_after_max_attempts(
    replay: Replay, tmp_path: Path, sleeps: list[float]
) -> None:
    for _ in range(POLICY.max_attempts):
        replay.add_response("GET", SEARCH_PATH, status=503, body="upstream down", content_type="text/plain")
    with pytest.raises(TransientError, match=r"hn-main: .*failed after 3 attempts: HTTP 503"):
        fetch(connector(replay, tmp_path, sleeps))
    assert len(replay.requests) == 3 and len(sleeps) == 2


def test_bad_request_is_a_connector_error(replay: Replay, tmp_path: Path, sleeps: list[float]) -> None:
    replay.add_response(
        "GET", SEARCH_PATH, status=400, json={"message": "invalid numericFilters", "status": 400}
    )
    with pytest.raises(ConnectorError, match=r"HTTP 400.*invalid numericFilters") as info:
        fetch(connector(replay, tmp_path, sleeps))
    assert type(info.value) is ConnectorError


# -- settings -------------------------------------------------------------------------------------


def test_defaults_and_build(tmp_path: Path) -> None:
    options = Options()
    assert (options.tags, options.hits_per_page, options.backfill_pages, options.max_pages) == (
        ["story", "comment"],
        100,
        1,
        20,
    )
    conn = build(SourceSpec(name="hn", type="hackernews", options=options, base_dir=tmp_path))
    assert conn.client.base_url == "https://hn.algolia.com"


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"hits_per_page": 1001}, "less than or equal to 1000"),
        ({"tags": []}, "at least one tag"),
        ({"tags": ["story,comment"]}, "not an Algolia HN tag"),
        ({"max_pages": 0}, "greater than or equal to 1"),
        ({"query": "acme"}, "Extra inputs are not permitted"),
    ],
)
def test_options_are_validated(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Options(**options)
