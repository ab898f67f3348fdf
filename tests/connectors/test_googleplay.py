"""The googleplay connector against the replay server: the token exchange and reviews.list.

No real recording of the Google Play Developer API exists in ../shared, so every response here is
synthetic (tests/fixtures/googleplay/ and `tests.support.contract_googleplay`, labelled so), shaped like the
documented API. The service-account key is an RSA key generated for the test run; the JWT the token
endpoint receives is checked against its public half. Time is injected: nothing sleeps.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
from pydantic import ValidationError

from connectors.errors import AuthError, ConfigError, PayloadError, RateLimited, TransientError
from connectors.googleplay import MAX_GAP, Options, build
from connectors.googleplay.auth import ENV_VAR, SCOPE, TOKEN_URI, load_service_account, token_endpoint
from connectors.googleplay.connector import GooglePlayConnector
from connectors.http import HttpPolicy
from connectors.query import parse_query
from connectors.spec import SourceSpec
from connectors.types import BrandQuery, Page
from tests.support.contract_googleplay import (
    ACCESS_TOKEN,
    CLIENT_EMAIL,
    PACKAGE,
    REVIEWS_PATH,
    TOKEN_PATH,
    key_file,
    key_pem,
    page,
    review,
    rsa_key,
    token_response,
)
from tests.support.replay import Replay

FIXTURES = Path(__file__).parents[1] / "fixtures" / "googleplay"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T = datetime(2026, 2, 28, 17, 0, 0, 250000, tzinfo=UTC)  # the newest review of the fixtures
POLICY = HttpPolicy(connect_timeout=2, read_timeout=5, max_attempts=3, backoff_base=1, time_budget=60)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def key(tmp_path: Path) -> Path:
    return key_file(tmp_path / "play-key.json")


def connector(
    replay: Replay,
    tmp_path: Path,
    sleeps: list[float],
    clock: Clock | None = None,
    *,
    policy: HttpPolicy = POLICY,
    **options: Any,
) -> GooglePlayConnector:
    options = {"package_name": PACKAGE, "service_account_file": "play-key.json", **options}
    spec = SourceSpec(
        name="play-reviews",
        type="googleplay",
        options=Options(**options),
        base_url=replay.url,
        timeout=5,
        base_dir=tmp_path,
        overlap=300.0,
    )
    return GooglePlayConnector(
        spec, policy=policy, sleep=sleeps.append, now=clock or (lambda: NOW), rng=random.Random(5)
    )


def fetch(conn: GooglePlayConnector, cursor: str | None = None, query: str = "acme") -> list[Page]:
    return list(conn.fetch(BrandQuery("acme", parse_query(query)), cursor))


def cursor_at(when: datetime, review_id: str = "gp:x") -> str:
    return json.dumps({"modified": when.isoformat(), "id": review_id})


def secrets_of_key() -> list[str]:
    lines = [line for line in key_pem().splitlines() if not line.startswith("-----")]
    return [ACCESS_TOKEN, *lines]


# -- authentication -------------------------------------------------------------------------------


def test_token_request_is_a_valid_rs256_assertion_for_the_key(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path
) -> None:
    replay.add_file(FIXTURES / "empty.replay.json")

    assert fetch(connector(replay, tmp_path, sleeps)) == []

    token_request, api_request = replay.requests
    assert token_request.method == "POST" and token_request.path == TOKEN_PATH
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(token_request.body.decode()).items()}
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    header = jwt.get_unverified_header(form["assertion"])
    assert header == {"alg": "RS256", "typ": "JWT", "kid": "0123456789abcdef0123456789abcdef01234567"}
    claims = jwt.decode(
        form["assertion"],
        rsa_key().public_key(),
        algorithms=["RS256"],
        audience=TOKEN_URI,  # the key's token_uri, although the request went to the replay server
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims == {
        "iss": CLIENT_EMAIL,
        "scope": SCOPE,
        "aud": "https://oauth2.googleapis.com/token",
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 3600,
    }
    assert api_request.path == REVIEWS_PATH
    assert api_request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert api_request.query == {"maxResults": "100"}


def test_a_token_is_reused_until_shortly_before_it_expires(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path, clock: Clock
) -> None:
    replay.add_response("POST", TOKEN_PATH, json=token_response("ya29.first-token-000", 3599))
    replay.add_response("GET", REVIEWS_PATH, json={})
    replay.add_response("GET", REVIEWS_PATH, json={})
    replay.add_response("POST", TOKEN_PATH, json=token_response("ya29.second-token-00", 3599))
    replay.add_response("GET", REVIEWS_PATH, json={})
    conn = connector(replay, tmp_path, sleeps, clock)

    fetch(conn)
    clock.now += timedelta(minutes=50)  # within the hour, before the 5-minute refresh margin
    fetch(conn)
    clock.now += timedelta(minutes=5)  # inside the margin: a new token
    fetch(conn)

    auth = [r.headers.get("authorization") for r in replay.requests if r.method == "GET"]
    assert auth == ["Bearer ya29.first-token-000"] * 2 + ["Bearer ya29.second-token-00"]


def test_a_refused_cached_token_is_renewed_once(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path, clock: Clock
) -> None:
    replay.add_response("POST", TOKEN_PATH, json=token_response("ya29.revoked-token-0"))
    replay.add_response("GET", REVIEWS_PATH, json={})
    replay.add_response(
        "GET", REVIEWS_PATH, status=401, json={"error": {"code": 401, "status": "UNAUTHENTICATED"}}
    )
    replay.add_response("POST", TOKEN_PATH, json=token_response("ya29.renewed-token-0"))
    replay.add_response("GET", REVIEWS_PATH, json=page([review("gp:1", T)]))
    conn = connector(replay, tmp_path, sleeps, clock)

    fetch(conn)
    (result,) = fetch(conn)

    assert [m.native_id for m in result.mentions] == ["gp:1"]
    assert replay.requests[-1].headers["authorization"] == "Bearer ya29.renewed-token-0"


def test_no_access_in_play_console_is_an_auth_error_without_secrets(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    replay.add_file(FIXTURES / "permission_denied.replay.json")

    with pytest.raises(AuthError) as info:
        fetch(connector(replay, tmp_path, sleeps))

    message = str(info.value)
    assert message.startswith("play-reviews: GET ") and "HTTP 403" in message
    assert "insufficient permission" in message and "Play Console (Users and permissions)" in message
    assert sleeps == [] and len(replay.requests) == 2  # a fresh token is not renewed: no retry
    assertion = parse_qs(replay.requests[0].body.decode())["assertion"][0]
    for secret in [*secrets_of_key(), assertion]:
        assert secret not in message and secret not in caplog.text


def test_token_endpoint_refusing_the_key_is_an_auth_error(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    replay.add_file(FIXTURES / "invalid_grant.replay.json")

    with pytest.raises(AuthError) as info:
        fetch(connector(replay, tmp_path, sleeps))

    message = str(info.value)
    assert "POST " in message and "HTTP 400" in message and "invalid_grant" in message
    assert f"refused the key of {CLIENT_EMAIL}" in message
    assertion = parse_qs(replay.requests[0].body.decode())["assertion"][0]
    for secret in [*secrets_of_key(), assertion]:
        assert secret not in message and secret not in caplog.text


def test_token_response_without_a_token_is_a_payload_error(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path
) -> None:
    replay.add_response("POST", TOKEN_PATH, body="<html>proxy login</html>", content_type="text/html")
    with pytest.raises(PayloadError, match=r"no access_token in the token response \(<html>proxy login"):
        fetch(connector(replay, tmp_path, sleeps))


def test_token_endpoint_503_storm_is_transient(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path
) -> None:
    for _ in range(POLICY.max_attempts):
        replay.add_response("POST", TOKEN_PATH, status=503, body="")
    with pytest.raises(TransientError, match="failed after 3 attempts"):
        fetch(connector(replay, tmp_path, sleeps))
    assert len(sleeps) == POLICY.max_attempts - 1


# -- mapping, paging, cursors ---------------------------------------------------------------------


def test_two_pages_with_token_pagination(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path
) -> None:
    replay.add_file(FIXTURES / "two_pages.replay.json")

    first, second = fetch(connector(replay, tmp_path, sleeps))

    newest, spanish = first.mentions
    assert (newest.source, newest.native_id, newest.source_name) == (
        "googleplay",
        "gp:AOqpTOH-newest",
        "play-reviews",
    )
    assert newest.title == "Great update" and newest.text == "Love the new acme widgets, works great."
    assert newest.created_at == T  # lastModified seconds + nanos
    assert (newest.rating, newest.lang, newest.author, newest.engagement) == (5, "en", "A Google user", 3)
    assert newest.url == (
        "https://play.google.com/store/apps/details?id=com.acme.app&reviewId=gp%3AAOqpTOH-newest"
    )
    assert newest.extra == {"app_version": "4.2.0", "app_version_code": 4200, "reviewer_language": "en_GB"}
    assert newest.raw["comments"][1]["developerComment"]["text"] == "Thanks for the kind words!"
    assert spanish.lang == "es" and spanish.title is None and spanish.rating == 1
    (third,) = second.mentions
    assert third.lang is None and third.author is None
    # First poll: page 1 resumes from the oldest review it stored; the last page from the newest.
    assert json.loads(first.cursor) == {
        "modified": (T - timedelta(hours=2)).isoformat(),
        "id": "gp:AOqpTOH-second",
    }
    assert json.loads(second.cursor) == {"modified": T.isoformat(), "id": "gp:AOqpTOH-newest"}
    gets = [r for r in replay.requests if r.method == "GET"]
    assert [r.query.get("token") for r in gets] == [None, "Eg0KCwi4uPvMBhCQ7dQL"]
    assert sum(r.method == "POST" for r in replay.requests) == 1  # one token for both pages


def test_resume_stops_at_the_cursor_minus_the_overlap(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path
) -> None:
    items = [
        review("gp:new", T + timedelta(hours=1)),
        review("gp:cursor", T),  # the cursor's own review: inside the overlap, deduped by the store
        review("gp:overlap", T - timedelta(minutes=4)),
        review("gp:old", T - timedelta(minutes=6)),
    ]
    replay.add_response("POST", TOKEN_PATH, json=token_response())
    replay.add_response("GET", REVIEWS_PATH, json=page(items, "more-older-ones"))

    (result,) = fetch(connector(replay, tmp_path, sleeps), cursor_at(T, "gp:cursor"))

    assert [m.native_id for m in result.mentions] == ["gp:new", "gp:cursor", "gp:overlap"]
    assert json.loads(result.cursor)["id"] == "gp:new"  # and page 2 is not asked for


def test_nothing_new_yields_no_page(replay: Replay, tmp_path: Path, sleeps: list[float], key: Path) -> None:
    replay.add_response("POST", TOKEN_PATH, json=token_response())
    replay.add_response("GET", REVIEWS_PATH, json=page([review("gp:old", T - timedelta(hours=1))], "next"))
    assert fetch(connector(replay, tmp_path, sleeps), cursor_at(T)) == []


def test_more_pages_than_max_pages_is_a_warning(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path, caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_response("POST", TOKEN_PATH, json=token_response())
    replay.add_response("GET", REVIEWS_PATH, json=page([review("gp:2", T)], "p2"))
    replay.add_response("GET", REVIEWS_PATH, json=page([review("gp:1", T - timedelta(hours=1))], "p3"))
    start = cursor_at(T - timedelta(days=2))

    first, second = fetch(connector(replay, tmp_path, sleeps, max_pages=2, max_results=1), start)

    assert json.loads(first.cursor) == json.loads(start) and json.loads(second.cursor)["id"] == "gp:2"
    assert "play-reviews: more than 2 pages of reviews since the last poll" in caplog.text
    assert [r.query.get("maxResults") for r in replay.requests if r.method == "GET"] == ["1", "1"]


def test_translation_language_is_asked_for_and_sets_the_language(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path
) -> None:
    translated = review("gp:tr", T, text="Closes when opening the acme panel.", language="es_419")
    translated["comments"][0]["userComment"]["originalText"] = "Se cierra al abrir el panel de acme."
    replay.add_response("POST", TOKEN_PATH, json=token_response())
    replay.add_response("GET", REVIEWS_PATH, json=page([translated]), query={"translationLanguage": "en"})

    (result,) = fetch(connector(replay, tmp_path, sleeps, translation_language="en"))

    assert result.mentions[0].lang == "en" and result.mentions[0].extra["reviewer_language"] == "es_419"
    assert result.mentions[0].raw["comments"][0]["userComment"]["originalText"].startswith("Se cierra")


def test_empty_result_yields_nothing(replay: Replay, tmp_path: Path, sleeps: list[float], key: Path) -> None:
    replay.add_file(FIXTURES / "empty.replay.json")
    assert fetch(connector(replay, tmp_path, sleeps)) == []


def test_malformed_reviews_are_logged_and_skipped(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="connectors.googleplay")
    replay.add_file(FIXTURES / "missing_fields.replay.json")

    (result,) = fetch(connector(replay, tmp_path, sleeps))

    assert [m.native_id for m in result.mentions] == ["gp:good-1", "gp:no-rating"]
    assert result.mentions[1].rating is None
    assert result.rejected == 6
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 6 and all(line.startswith("play-reviews: skipped ") for line in lines)
    text = "\n".join(lines)
    assert "review gp:bad-rating: starRating is int '6', not 1-5" in text
    assert "review gp:no-time: lastModified.seconds is missing" in text
    assert "review gp:no-text: userComment.text is missing, not text" in text
    assert "review gp:only-reply: no comments[].userComment" in text
    assert "item 6 of page 1: reviewId is missing, not text" in text
    assert "item 7 of page 1: review is str 'not a review', not an object" in text


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('{"reviews": [', "body is not JSON"),
        ("[]", r"expected a reviews.list response \(an object\), got list"),
        ('{"reviews": {"a": 1}}', "reviews must be a list"),
        ('{"reviews": [], "tokenPagination": "x"}', "tokenPagination an object"),
    ],
    ids=["truncated", "a-list", "reviews-object", "pagination-text"],
)
def test_malformed_pages_raise_payload_error(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path, body: str, match: str
) -> None:
    replay.add_response("POST", TOKEN_PATH, json=token_response())
    replay.add_response("GET", REVIEWS_PATH, body=body, content_type="application/json")
    with pytest.raises(PayloadError, match=match) as info:
        fetch(connector(replay, tmp_path, sleeps))
    assert str(info.value).startswith("play-reviews: ") and ACCESS_TOKEN not in str(info.value)


def test_html_error_page_is_a_payload_error(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path
) -> None:
    replay.add_file(FIXTURES / "html_error.replay.json")
    with pytest.raises(PayloadError, match=r"content-type text/html.*starts with \"<!DOCTYPE html>"):
        fetch(connector(replay, tmp_path, sleeps))


# -- rate limits and server errors ----------------------------------------------------------------


def test_quota_429_with_retry_after_is_waited_for(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path
) -> None:
    replay.add_file(FIXTURES / "quota_exceeded.replay.json")
    (result,) = fetch(connector(replay, tmp_path, sleeps))
    assert sleeps == [30.0] and result.mentions[0].text == "acme after the wait"


def test_quota_429_past_the_budget_defers_the_poll(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path, caplog: pytest.LogCaptureFixture
) -> None:
    replay.add_response("POST", TOKEN_PATH, json=token_response())
    replay.add_response(
        "GET", REVIEWS_PATH, status=429, json={"error": {"code": 429}}, headers={"Retry-After": "3600"}
    )
    with pytest.raises(RateLimited) as info:
        fetch(connector(replay, tmp_path, sleeps))
    assert info.value.retry_after == 3600.0 and sleeps == []
    assert ACCESS_TOKEN not in str(info.value) and ACCESS_TOKEN not in caplog.text


def test_503_storm_makes_exactly_max_attempts_requests(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    replay.add_response("POST", TOKEN_PATH, json=token_response())
    for _ in range(POLICY.max_attempts):
        # A hostile server echoing the token must not get it into a message either.
        replay.add_response("GET", REVIEWS_PATH, status=503, body=f"overloaded; you sent {ACCESS_TOKEN}")
    with pytest.raises(TransientError) as info:
        fetch(connector(replay, tmp_path, sleeps))
    assert sum(r.method == "GET" for r in replay.requests) == POLICY.max_attempts
    assert len(sleeps) == POLICY.max_attempts - 1
    assert ACCESS_TOKEN not in str(info.value) and ACCESS_TOKEN not in caplog.text


# -- the key file, options, base_url --------------------------------------------------------------


def _spec(tmp_path: Path, **options: Any) -> SourceSpec:
    return SourceSpec(
        name="play", type="googleplay", options=Options(package_name=PACKAGE, **options), base_dir=tmp_path
    )


def test_missing_key_file_names_the_setting_and_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(
        ConfigError, match=f"set the setting service_account_file or the environment variable {ENV_VAR}"
    ):
        build(_spec(tmp_path))


def test_key_file_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(key_file(tmp_path / "elsewhere.json")))
    conn = build(_spec(tmp_path))
    assert conn.tokens.account.client_email == CLIENT_EMAIL
    assert conn.tokens.url == TOKEN_URI  # no base_url: the key's own token endpoint
    assert conn.client.base_url == "https://androidpublisher.googleapis.com"


@pytest.mark.parametrize(
    ("write", "match"),
    [
        (lambda p: None, "cannot read"),
        (lambda p: p.write_text("{not json", encoding="utf-8"), "is not JSON"),
        (lambda p: p.write_text("[1]", encoding="utf-8"), "not a JSON object"),
        (
            lambda p: key_file(p, type="authorized_user"),
            "type is 'authorized_user', expected \"service_account\"",
        ),
        (lambda p: key_file(p, client_email=None), "has no client_email"),
        (lambda p: key_file(p, private_key=None), "has no private_key"),
        (lambda p: key_file(p, private_key=key_pem()[:300]), "private_key is not a readable PEM private key"),
        (lambda p: key_file(p, token_uri="http://evil.example/token"), "token_uri must be an https URL"),
    ],
    ids=[
        "absent",
        "not-json",
        "not-object",
        "user-credentials",
        "no-email",
        "no-key",
        "broken-key",
        "http-token-uri",
    ],
)
def test_bad_key_files_are_config_errors_without_the_key(tmp_path: Path, write: Any, match: str) -> None:
    path = tmp_path / "play-key.json"
    write(path)
    with pytest.raises(ConfigError, match=match) as info:
        build(_spec(tmp_path, service_account_file="play-key.json"))
    message = str(info.value)
    assert message.startswith("sources.play.service_account_file: ")
    assert all(secret not in message for secret in secrets_of_key())


def test_non_rsa_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_file(tmp_path / "k.json", private_key=pem.decode())
    with pytest.raises(ConfigError, match="not an RSA key"):
        load_service_account("k.json", source_name="play", base_dir=tmp_path)


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        (None, TOKEN_URI),
        ("https://androidpublisher.googleapis.com", TOKEN_URI),
        ("https://androidpublisher.googleapis.com/", TOKEN_URI),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/token"),
        ("https://proxy.internal/google/", "https://proxy.internal/google/token"),
    ],
)
def test_token_endpoint_follows_base_url(base_url: str | None, expected: str) -> None:
    assert token_endpoint(TOKEN_URI, base_url, "https://androidpublisher.googleapis.com") == expected


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"package_name": "acme"}, "pattern"),
        ({"package_name": "com.acme.app", "max_results": 101}, "less than or equal to 100"),
        ({"package_name": "com.acme.app", "translation_language": "english!"}, "pattern"),
        ({"package_name": "com.acme.app", "service_account_json": "{}"}, "Extra inputs are not permitted"),
    ],
)
def test_options_are_validated(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        Options(**options)


def test_source_filter_excluding_googleplay_fetches_nothing(
    replay: Replay, tmp_path: Path, sleeps: list[float], key: Path
) -> None:
    assert fetch(connector(replay, tmp_path, sleeps), query="acme -source:googleplay") == []
    assert replay.requests == []


def test_max_gap_is_seven_days() -> None:
    assert timedelta(days=7) == MAX_GAP
