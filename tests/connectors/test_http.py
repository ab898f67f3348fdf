"""The shared HTTP layer against a real local HTTP server (pytest-httpserver).

Nothing of ours is mocked: the real requests library talks to a real socket. Only time is injected:
`sleep` records instead of sleeping and `now` is fixed, so retry and rate-limit behaviour is exact
and the suite stays fast.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import time
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from connectors.errors import AuthError, ConnectorError, PayloadError, RateLimited, TransientError
from connectors.http import (
    DEFAULT_USER_AGENT,
    RATE_LIMITS,
    REDACTED,
    HttpClient,
    HttpPolicy,
    RateLimitHeaders,
    full_jitter_delay,
    parse_reset,
    parse_retry_after,
    redact_url,
)

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
SOURCE = "testsrc"
POLICY = HttpPolicy(connect_timeout=2, read_timeout=5, max_attempts=4, backoff_base=1, backoff_cap=60)


def make_client(base_url: str, sleeps: list[float], **kwargs: object) -> HttpClient:
    options: dict[str, object] = {
        "source": SOURCE,
        "policy": POLICY,
        "sleep": sleeps.append,
        "now": lambda: NOW,
        "rng": random.Random(1234),
    }
    options.update(kwargs)
    return HttpClient(base_url, **options)  # type: ignore[arg-type]


@pytest.fixture
def client(httpserver: HTTPServer, sleeps: list[float]) -> Iterator[HttpClient]:
    with make_client(httpserver.url_for("/api"), sleeps) as c:
        yield c


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    """A server on 127.0.0.1 that answers while an earlier (timed-out) handler is still sleeping."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def closed_port() -> int:
    """A local port nobody listens on: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------------------------------
# Retry of transient failures


def test_503_twice_then_200_succeeds_after_two_jittered_sleeps(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/api/items").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/api/items").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/api/items").respond_with_json({"items": [1, 2]})

    assert client.get_json("items") == {"items": [1, 2]}

    httpserver.check_assertions()
    assert len(httpserver.log) == 3
    assert len(sleeps) == 2
    assert all(0 <= s <= POLICY.backoff_cap for s in sleeps)
    # full jitter: the n-th retry waits at most base * 2**n
    assert sleeps[0] <= POLICY.backoff_base
    assert sleeps[1] <= POLICY.backoff_base * 2


def test_503_storm_raises_transient_after_exactly_max_attempts(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_request("/api/items").respond_with_data("down", status=503)

    with pytest.raises(TransientError) as info:
        client.get_json("items")

    assert not isinstance(info.value, RateLimited)
    assert len(httpserver.log) == POLICY.max_attempts
    assert len(sleeps) == POLICY.max_attempts - 1  # no sleep after the last attempt
    message = str(info.value)
    assert message.startswith(f"{SOURCE}: ")
    assert "503" in message
    assert httpserver.url_for("/api/items") in message
    assert info.value.source == SOURCE


def test_408_is_retried(httpserver: HTTPServer, client: HttpClient, sleeps: list[float]) -> None:
    httpserver.expect_ordered_request("/api/items").respond_with_data("slow", status=408)
    httpserver.expect_ordered_request("/api/items").respond_with_json([])

    assert client.get_json("items") == []
    assert len(httpserver.log) == 2
    assert len(sleeps) == 1


def test_read_timeout_is_retried(threaded_server: HTTPServer, sleeps: list[float]) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response("{}", content_type="application/json")

    threaded_server.expect_oneshot_request("/api/items").respond_with_handler(slow)
    threaded_server.expect_oneshot_request("/api/items").respond_with_json({"ok": True})
    policy = HttpPolicy(connect_timeout=2, read_timeout=0.3)
    client = make_client(threaded_server.url_for("/api"), sleeps, policy=policy)

    started = time.monotonic()
    assert client.get_json("items") == {"ok": True}
    assert time.monotonic() - started < 0.9  # gave up on the slow answer instead of waiting for it
    assert len(sleeps) == 1


def test_connection_refused_is_transient(closed_port: int, sleeps: list[float]) -> None:
    client = make_client(f"http://127.0.0.1:{closed_port}/api", sleeps)

    with pytest.raises(TransientError, match=r"failed after 4 attempts: ConnectionError"):
        client.get_json("items")
    assert len(sleeps) == 3


def test_backoff_beyond_budget_raises_transient_without_sleeping(
    httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_request("/api/items").respond_with_data("down", status=500)
    policy = HttpPolicy(backoff_base=10, time_budget=0.001)
    client = make_client(httpserver.url_for("/api"), sleeps, policy=policy)

    with pytest.raises(TransientError, match="time budget") as info:
        client.get_json("items")
    assert not isinstance(info.value, RateLimited)
    assert sleeps == []
    assert len(httpserver.log) == 1


def test_retries_are_logged_at_info(
    httpserver: HTTPServer, client: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="connectors.http")
    httpserver.expect_ordered_request("/api/items").respond_with_data("busy", status=502)
    httpserver.expect_ordered_request("/api/items").respond_with_json({})

    client.get_json("items")

    records = [r for r in caplog.records if r.name == "connectors.http"]
    assert len(records) == 1
    assert records[0].levelno == logging.INFO
    assert "retry 2 of 4" in records[0].getMessage()
    assert SOURCE in records[0].getMessage()


# --------------------------------------------------------------------------------------------------
# Rate limits: Retry-After and per-API reset headers


def test_retry_after_seconds_is_honoured(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/api/items").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3"}
    )
    httpserver.expect_ordered_request("/api/items").respond_with_json({"ok": 1})

    assert client.get_json("items") == {"ok": 1}
    assert sleeps == [3.0]


def test_retry_after_http_date_is_honoured(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    when = format_datetime(NOW + timedelta(seconds=7), usegmt=True)
    httpserver.expect_ordered_request("/api/items").respond_with_data(
        "slow down", status=429, headers={"Retry-After": when}
    )
    httpserver.expect_ordered_request("/api/items").respond_with_json({"ok": 1})

    assert client.get_json("items") == {"ok": 1}
    assert sleeps == [7.0]


def test_retry_after_on_503_is_honoured(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/api/items").respond_with_data(
        "maintenance", status=503, headers={"Retry-After": "5"}
    )
    httpserver.expect_ordered_request("/api/items").respond_with_json({"ok": 1})

    assert client.get_json("items") == {"ok": 1}
    assert sleeps == [5.0]


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("525.0", "seconds", 525.0),  # Reddit sends a float string
        ("30", "seconds", 30.0),
        (" 12 ", "seconds", 12.0),
        ("-4", "seconds", 0.0),
        (str(int(NOW.timestamp()) + 42), "epoch", 42.0),  # X: a Unix time
        (str(int(NOW.timestamp()) - 42), "epoch", 0.0),  # already reset
        ("2026-03-01T12:01:00.000Z", "iso", 60.0),  # Mastodon
        ("2026-03-01T12:00:30.123456Z", "iso", 30.123456),
        ("2026-03-01T14:00:30+02:00", "iso", 30.0),
        ("2026-03-01T12:00:30", "iso", 30.0),  # no offset: UTC
        ("2026-03-01T11:00:00Z", "iso", 0.0),
        (None, "seconds", None),
        ("", "epoch", None),
        ("soon", "seconds", None),
        ("nan", "seconds", None),
        ("1e3", "epoch", None),
        ("tomorrow", "iso", None),
        ("525.0", "iso", None),
    ],
)
def test_parse_reset(value: str | None, unit: str, expected: float | None) -> None:
    result = parse_reset(value, unit, NOW)  # type: ignore[arg-type]
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


def test_parse_reset_rejects_unknown_unit() -> None:
    with pytest.raises(ValueError, match="unknown reset unit"):
        parse_reset("1", "minutes", NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        ("0", 0.0),
        ("-5", 0.0),
        ("1.5", 1.5),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        (format_datetime(NOW - timedelta(days=1), usegmt=True), 0.0),
        ("Sun, 01 Mar 2026 12:02:00 GMT", 120.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("Sun, 99 Foo 2026", None),
        ("inf", None),
        ("9" * 400, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("rate_limit", "headers", "expected"),
    [
        pytest.param(
            RATE_LIMITS["reddit"],
            {"x-ratelimit-remaining": "0.0", "x-ratelimit-used": "100", "x-ratelimit-reset": "12.0"},
            12.0,
            id="reddit-seconds",
        ),
        pytest.param(
            RATE_LIMITS["x"],
            {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(NOW.timestamp()) + 20)},
            20.0,
            id="x-epoch",
        ),
        pytest.param(
            RATE_LIMITS["mastodon"],
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2026-03-01T12:00:45.000Z"},
            45.0,
            id="mastodon-iso",
        ),
    ],
)
def test_429_waits_for_the_api_specific_reset(
    httpserver: HTTPServer,
    sleeps: list[float],
    rate_limit: RateLimitHeaders,
    headers: dict[str, str],
    expected: float,
) -> None:
    httpserver.expect_ordered_request("/api/search").respond_with_data(
        "too many", status=429, headers=headers
    )
    httpserver.expect_ordered_request("/api/search").respond_with_json({"data": []})
    client = make_client(httpserver.url_for("/api"), sleeps, rate_limit=rate_limit)

    assert client.get_json("search", params={"q": "acme"}) == {"data": []}
    assert sleeps == [pytest.approx(expected)]


def test_429_with_remaining_left_uses_backoff_not_reset(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_ordered_request("/api/search").respond_with_data(
        "too many", status=429, headers={"x-rate-limit-remaining": "5", "x-rate-limit-reset": "0"}
    )
    httpserver.expect_ordered_request("/api/search").respond_with_json({})
    client = make_client(httpserver.url_for("/api"), sleeps, rate_limit=RATE_LIMITS["x"])

    client.get_json("search")
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= POLICY.backoff_base


def test_429_beyond_budget_raises_rate_limited_without_sleeping(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_request("/api/items").respond_with_data(
        "come back in an hour", status=429, headers={"Retry-After": "3600"}
    )

    with pytest.raises(RateLimited) as info:
        client.get_json("items")

    assert info.value.retry_after == 3600.0
    assert sleeps == []
    assert len(httpserver.log) == 1
    assert str(info.value).startswith(f"{SOURCE}: ")


def test_429_reset_beyond_budget_raises_rate_limited(httpserver: HTTPServer, sleeps: list[float]) -> None:
    reset = str(int(NOW.timestamp()) + 900)
    httpserver.expect_request("/api/items").respond_with_data(
        "", status=429, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}
    )
    client = make_client(httpserver.url_for("/api"), sleeps, rate_limit=RATE_LIMITS["x"])

    with pytest.raises(RateLimited) as info:
        client.get_json("items")
    assert info.value.retry_after == pytest.approx(900.0)
    assert sleeps == []


def test_budget_counts_all_sleeps_of_one_call(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_request("/api/items").respond_with_data("", status=429, headers={"Retry-After": "40"})
    client = make_client(httpserver.url_for("/api"), sleeps, policy=HttpPolicy(time_budget=100))

    with pytest.raises(RateLimited) as info:
        client.get_json("items")
    assert sleeps == [40.0, 40.0]  # a third 40 s wait would pass 100 s
    assert info.value.retry_after == 40.0
    assert len(httpserver.log) == 3


# --------------------------------------------------------------------------------------------------
# Status mapping and payloads


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures_raise_auth_error_at_once(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float], status: int
) -> None:
    httpserver.expect_request("/api/me").respond_with_json({"error": "invalid_token"}, status=status)

    with pytest.raises(AuthError, match=str(status)) as info:
        client.get_json("me")
    assert str(info.value).startswith(f"{SOURCE}: ")
    assert len(httpserver.log) == 1
    assert sleeps == []


def test_404_is_a_connector_error_not_transient(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_request("/api/r/nosuch").respond_with_json({"message": "Not Found"}, status=404)

    with pytest.raises(ConnectorError) as info:
        client.get_json("r/nosuch")
    assert not isinstance(info.value, TransientError | AuthError | PayloadError)
    message = str(info.value)
    assert message.startswith(f"{SOURCE}: ")
    assert "HTTP 404" in message
    assert httpserver.url_for("/api/r/nosuch") in message
    assert len(httpserver.log) == 1
    assert sleeps == []


def test_html_page_with_200_is_a_payload_error(httpserver: HTTPServer, client: HttpClient) -> None:
    body = "<!DOCTYPE html>\n<html>\x1b[31m<head><title>Captive portal</title></head>\r\n<body>" + "x" * 200
    httpserver.expect_request("/api/items").respond_with_data(body, content_type="text/html; charset=utf-8")

    with pytest.raises(PayloadError) as info:
        client.get_json("items")

    message = str(info.value)
    assert message.startswith(f"{SOURCE}: ")
    assert "HTTP 200" in message
    assert "text/html" in message
    assert "<!DOCTYPE html>" in message
    assert "\x1b" not in message and "\n" not in message and "\r" not in message
    assert "x" * 81 not in message  # at most 80 characters of the body
    preview = message.split('starts with "', 1)[1].rstrip('"')
    assert len(preview) <= 80


def test_truncated_json_is_a_payload_error(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/api/items").respond_with_data(
        '{"items": [{"id": 1}, {"id"', content_type="application/json"
    )

    with pytest.raises(PayloadError, match="application/json") as info:
        client.get_json("items")
    assert '{"items": [{"id": 1}' in str(info.value)


def test_deeply_nested_json_is_a_payload_error(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/api/items").respond_with_data("[" * 100_000 + "]" * 100_000)

    with pytest.raises(PayloadError):
        client.get_json("items")


def test_request_returns_the_response_for_non_json(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/api/feed.xml").respond_with_data("<rss/>", content_type="application/rss+xml")

    response = client.request("GET", "feed.xml")
    assert response.status_code == 200
    assert response.text == "<rss/>"


# --------------------------------------------------------------------------------------------------
# URLs, headers and sessions


def test_base_url_with_path_prefix_joins(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_request("/api/v1/timelines/tag/acme").respond_with_json(["a"])
    httpserver.expect_request("/api/v1/search").respond_with_json(["b"])

    for base in (httpserver.url_for("/api/v1"), httpserver.url_for("/api/v1/")):
        client = make_client(base, sleeps)
        assert client.get_json("/timelines/tag/acme") == ["a"]
        assert client.get_json("timelines/tag/acme") == ["a"]
        assert client.get_json("search", params={"q": "acme corp"}) == ["b"]
    assert httpserver.log[-1][0].args["q"] == "acme corp"


def test_absolute_next_link_is_used_as_is(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request("/elsewhere/page2", query_string="cursor=abc").respond_with_json({"page": 2})

    assert client.get_json(httpserver.url_for("/elsewhere/page2?cursor=abc")) == {"page": 2}


def test_credentials_are_not_sent_to_another_origin(threaded_server: HTTPServer, sleeps: list[float]) -> None:
    threaded_server.expect_request("/page").respond_with_json({})
    port = threaded_server.port
    client = make_client(
        f"http://localhost:{port}/api", sleeps, headers={"Authorization": "Bearer tok-123456"}
    )

    client.get_json(f"http://localhost:{port}/page")  # same origin: credentials go along
    client.get_json(f"http://127.0.0.1:{port}/page")  # another host in a next link: they do not

    first, second = (request for request, _ in threaded_server.log)
    assert first.headers.get("Authorization") == "Bearer tok-123456"
    assert second.headers.get("Authorization") is None


def test_user_agent_default_and_override(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_request("/api/ua").respond_with_json({})

    make_client(httpserver.url_for("/api"), sleeps).get_json("ua")
    make_client(httpserver.url_for("/api"), sleeps, headers={"User-Agent": "acme-bot/2"}).get_json("ua")

    agents = [request.headers.get("User-Agent") for request, _ in httpserver.log]
    assert agents == [DEFAULT_USER_AGENT, "acme-bot/2"]


def test_post_form_with_headers(httpserver: HTTPServer, client: HttpClient) -> None:
    httpserver.expect_request(
        "/api/token", method="POST", data="grant_type=client_credentials", headers={"X-Extra": "1"}
    ).respond_with_json({"access_token": "t"})

    response = client.request(
        "post", "token", data={"grant_type": "client_credentials"}, headers={"X-Extra": "1"}
    )
    assert response.json() == {"access_token": "t"}


def test_urllib3_retries_are_disabled_on_a_given_session(httpserver: HTTPServer, sleeps: list[float]) -> None:
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(max_retries=5))
    make_client(httpserver.url_for("/api"), sleeps, session=session)

    for adapter in session.adapters.values():
        assert adapter.max_retries.total == 0  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------------
# Secrets never reach messages or logs

API_KEY = "AIzaSyFAKEKEY0123456789"
TOKEN = "tok_SECRET_abcdef987654"


def _assert_no_secrets(exc: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    shown = [str(exc), repr(exc), "".join(traceback.format_exception(exc)), caplog.text]
    for text in shown:
        assert API_KEY not in text
        assert TOKEN not in text
    assert REDACTED in str(exc)
    assert str(exc).startswith(f"{SOURCE}: ")


@pytest.fixture
def secret_client(httpserver: HTTPServer, sleeps: list[float]) -> HttpClient:
    return make_client(httpserver.url_for(f"/bot{TOKEN}"), sleeps, secrets=[TOKEN])


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    # The local test server's access log is the remote side seeing its own URLs, not our output.
    # (Order matters: set_level also sets the capture handler's level, so DEBUG must come last.)
    caplog.set_level(logging.WARNING, logger="werkzeug")
    caplog.set_level(logging.DEBUG, logger="connectors.http")
    return caplog


def test_secrets_redacted_on_retries_and_transient_error(
    httpserver: HTTPServer, secret_client: HttpClient, debug_log: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(f"/bot{TOKEN}/comments").respond_with_data(
        f"upstream failed for key={API_KEY} token {TOKEN}", status=503
    )

    with pytest.raises(TransientError) as info:
        secret_client.get_json("comments", params={"api_key": API_KEY, "q": "acme"})
    assert len(debug_log.records) == POLICY.max_attempts - 1
    assert "api_key=REDACTED" in str(info.value)
    assert "q=acme" in str(info.value)
    _assert_no_secrets(info.value, debug_log)


def test_secrets_redacted_in_client_error_echoing_them(
    httpserver: HTTPServer, secret_client: HttpClient, debug_log: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(f"/bot{TOKEN}/comments").respond_with_json(
        {"error": f"bad request: key {API_KEY} with {TOKEN}"}, status=400
    )

    with pytest.raises(ConnectorError) as info:
        secret_client.get_json("comments", params={"api_key": API_KEY})
    _assert_no_secrets(info.value, debug_log)


def test_secrets_redacted_in_payload_error(
    httpserver: HTTPServer, secret_client: HttpClient, debug_log: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request(f"/bot{TOKEN}/comments").respond_with_data(
        f"{API_KEY}{TOKEN} <html>", content_type="text/html"
    )

    with pytest.raises(PayloadError) as info:
        secret_client.get_json("comments", params={"api_key": API_KEY})
    _assert_no_secrets(info.value, debug_log)


def test_secrets_redacted_in_rate_limited_and_auth_errors(
    httpserver: HTTPServer, secret_client: HttpClient, debug_log: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_ordered_request(f"/bot{TOKEN}/a").respond_with_data(
        "", status=429, headers={"Retry-After": "99999"}
    )
    httpserver.expect_ordered_request(f"/bot{TOKEN}/b").respond_with_data(f"who is {TOKEN}?", status=401)

    with pytest.raises(RateLimited) as limited:
        secret_client.get_json("a", params={"api_key": API_KEY})
    _assert_no_secrets(limited.value, debug_log)
    with pytest.raises(AuthError) as refused:
        secret_client.get_json("b", params={"api_key": API_KEY})
    _assert_no_secrets(refused.value, debug_log)


def test_secrets_redacted_on_network_errors(
    closed_port: int, sleeps: list[float], debug_log: pytest.LogCaptureFixture
) -> None:
    client = make_client(f"http://127.0.0.1:{closed_port}/bot{TOKEN}", sleeps, secrets=[TOKEN])

    with pytest.raises(TransientError) as info:
        client.get_json("comments", params={"api_key": API_KEY})
    # requests' exception (whose text carries the raw URL) is not chained for a traceback to print
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__
    _assert_no_secrets(info.value, debug_log)


def test_bearer_token_in_headers_is_redacted_when_echoed(
    httpserver: HTTPServer, sleeps: list[float], debug_log: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/api/me").respond_with_data(f"token {TOKEN} expired", status=400)
    client = make_client(httpserver.url_for("/api"), sleeps, headers={"Authorization": f"Bearer {TOKEN}"})

    with pytest.raises(ConnectorError) as info:
        client.get_json("me")
    assert TOKEN not in str(info.value)
    assert "expired" in str(info.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://h/x?api_key=abc&q=1", "https://h/x?api_key=REDACTED&q=1"),
        ("https://h/x?q=acme&access_token=abc", "https://h/x?q=acme&access_token=REDACTED"),
        ("https://h/x?X-Amz-Signature=ff&clientSecret=s&password=p", None),
        ("https://user:pw@h/x", "https://REDACTED@h/x"),
        (f"https://h/bot{TOKEN}/send?q=1", "https://h/botREDACTED/send?q=1"),
        ("https://h/x?q=acme", "https://h/x?q=acme"),
    ],
)
def test_redact_url(url: str, expected: str | None) -> None:
    result = redact_url(url, [TOKEN])
    if expected is None:
        assert result == "https://h/x?X-Amz-Signature=REDACTED&clientSecret=REDACTED&password=REDACTED"
    else:
        assert result == expected


def test_redact_url_replaces_percent_encoded_secret() -> None:
    secret = "a/b+c=d"
    assert redact_url("https://h/x?auth=a%2Fb%2Bc%3Dd", [secret]) == "https://h/x?auth=REDACTED"


# --------------------------------------------------------------------------------------------------
# Properties


@given(
    attempt=st.integers(min_value=0, max_value=5000),
    base=st.floats(min_value=0, max_value=1e6, allow_nan=False),
    cap=st.floats(min_value=0, max_value=1e6, allow_nan=False),
    seed=st.integers(),
)
def test_full_jitter_delay_stays_in_bounds(attempt: int, base: float, cap: float, seed: int) -> None:
    delay = full_jitter_delay(attempt, base, cap, random.Random(seed))
    assert 0.0 <= delay <= cap
    if attempt < 1000:
        assert delay <= base * 2.0**attempt


_header_like = st.one_of(
    st.none(),
    st.text(),
    st.from_regex(r"\A[ +-]?[0-9]{0,30}(\.[0-9]{0,5})?\Z"),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: format_datetime(d, usegmt=True)),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["Mon, 32 Jan 2026 25:61:61 GMT", "Fri, 31 Dec 9999 23:59:59 +2359", "0000"]),
)


@given(value=_header_like, now=st.datetimes(timezones=st.just(UTC)))
def test_parse_retry_after_never_raises(value: str | None, now: datetime) -> None:
    result = parse_retry_after(value, now)
    assert result is None or result >= 0.0


@given(
    value=_header_like,
    unit=st.sampled_from(["seconds", "epoch", "iso"]),
    now=st.datetimes(timezones=st.just(UTC)),
)
def test_parse_reset_never_raises(value: str | None, unit: str, now: datetime) -> None:
    result = parse_reset(value, unit, now)  # type: ignore[arg-type]
    assert result is None or result >= 0.0


def test_json_body_round_trip(httpserver: HTTPServer, client: HttpClient) -> None:
    payload = {"text": "ünïcödé ✓", "n": [1, 2.5, None, True]}
    httpserver.expect_request("/api/u").respond_with_data(
        json.dumps(payload).encode("utf-8"), content_type="application/json"
    )
    assert client.get_json("u") == payload
