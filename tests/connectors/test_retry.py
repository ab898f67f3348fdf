"""One retry loop: the same 429/503/Retry-After/reset cases through our own client, through
prawcore's Requestor (what praw sends with) and through tweepy's Client, with identical outcomes.

Every client sends through a session with `connectors.http.PolicyAdapter` mounted, to the local
replay server; time is injected (a sleep recorder, a fixed clock, a seeded rng), so the waits are
exact and equal across clients. Responses are synthetic fixtures written here.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import prawcore
import pytest
import tweepy

from connectors.errors import ConnectorError, RateLimited, TransientError
from connectors.http import RATE_LIMITS, HttpClient, HttpPolicy, PolicyAdapter, RateLimitHeaders, make_session
from connectors.reddit.client import PolicyRequestor
from tests.support.replay import Replay

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
POLICY = HttpPolicy(connect_timeout=2, read_timeout=5, max_attempts=3, backoff_base=1, backoff_cap=60)
PATH = "/2/tweets/search/recent"  # one route every client can ask for
HOST = "api.twitter.com"  # tweepy's hard-coded host; the adapter rewrites it to the replay server


@dataclass(frozen=True)
class Case:
    """Responses to serve, in order, and what every client must make of them."""

    responses: list[dict[str, Any]]
    outcome: type[Exception] | None  # None: the request succeeds
    sleeps: list[float]
    requests: int
    retry_after: float | None = None
    rate_limit: RateLimitHeaders | None = None
    policy: HttpPolicy = POLICY
    calls: int = 1  # logical requests made one after the other
    extra: dict[str, Any] = field(default_factory=dict)


def _jitter(*attempts: int) -> list[float]:
    """The full-jitter delays the seeded rng gives, for the attempts (from 0) that back off."""
    rng = random.Random(7)
    return [rng.uniform(0.0, min(POLICY.backoff_cap, POLICY.backoff_base * 2.0**a)) for a in attempts]


OK = {"status": 200, "json": {"data": []}}
CASES = {
    "503-storm": Case([{"status": 503, "body": "down"}] * 3, TransientError, _jitter(0, 1), 3),
    "503-then-ok": Case([{"status": 503, "body": "down"}, OK], None, _jitter(0), 2),
    "503-retry-after": Case([{"status": 503, "headers": {"Retry-After": "7"}}, OK], None, [7.0], 2),
    "429-retry-after": Case([{"status": 429, "headers": {"Retry-After": "3"}}, OK], None, [3.0], 2),
    "429-retry-after-past-budget": Case(
        [{"status": 429, "headers": {"Retry-After": "3600"}}], RateLimited, [], 1, retry_after=3600.0
    ),
    # The one intended change: no header at all defers by the policy's next backoff (1 s * 2**2).
    "429-no-header-defers-by-backoff": Case(
        [{"status": 429}] * 3, RateLimited, _jitter(0, 1), 3, retry_after=4.0
    ),
    "429-reddit-reset-seconds": Case(
        [{"status": 429, "headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "12.0"}}, OK],
        None,
        [12.0],
        2,
        rate_limit=RATE_LIMITS["reddit"],
    ),
    "429-x-reset-epoch": Case(
        [
            {
                "status": 429,
                "headers": {
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": str(int(NOW.timestamp()) + 20),
                },
            },
            OK,
        ],
        None,
        [20.0],
        2,
        rate_limit=RATE_LIMITS["x"],
    ),
    "429-mastodon-reset-iso": Case(
        [
            {
                "status": 429,
                "headers": {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2026-03-01T12:00:45Z"},
            },
            OK,
        ],
        None,
        [45.0],
        2,
        rate_limit=RATE_LIMITS["mastodon"],
    ),
    "429-remaining-left-backs-off": Case(
        [{"status": 429, "headers": {"x-rate-limit-remaining": "5", "x-rate-limit-reset": "0"}}, OK],
        None,
        _jitter(0),
        2,
        rate_limit=RATE_LIMITS["x"],
    ),
    # A used-up window (remaining 0 + reset) on a success: the next request waits before sending.
    "used-up-window-waits-before-sending": Case(
        [
            {"status": 200, "json": {}, "headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "30"}},
            OK,
        ],
        None,
        [30.0],
        2,
        rate_limit=RATE_LIMITS["reddit"],
        calls=2,
    ),
    "used-up-window-past-budget-defers-unsent": Case(
        [{"status": 200, "json": {}, "headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "900"}}],
        RateLimited,
        [],
        1,
        retry_after=900.0,
        rate_limit=RATE_LIMITS["reddit"],
        calls=2,
    ),
}


def _adapter(replay: Replay, sleeps: list[float], case: Case) -> PolicyAdapter:
    return PolicyAdapter(
        case.policy,
        source="src",
        base_url=replay.url,
        rewrite_hosts=[HOST],
        rate_limit=case.rate_limit,
        sleep=sleeps.append,
        now=lambda: NOW,
        rng=random.Random(7),
    )


def ours(replay: Replay, sleeps: list[float], case: Case) -> Callable[[], object]:
    client = HttpClient(
        replay.url,
        source="src",
        policy=case.policy,
        rate_limit=case.rate_limit,
        sleep=sleeps.append,
        now=lambda: NOW,
        rng=random.Random(7),
    )
    return lambda: client.get_json(PATH)


def praw_session(replay: Replay, sleeps: list[float], case: Case) -> Callable[[], object]:
    adapter = _adapter(replay, sleeps, case)
    adapter.reset_budget()
    requestor = PolicyRequestor(user_agent="test/0.1", session=make_session(adapter))
    return lambda: requestor.request("GET", f"https://{HOST}{PATH}", timeout=5)


def tweepy_session(replay: Replay, sleeps: list[float], case: Case) -> Callable[[], object]:
    adapter = _adapter(replay, sleeps, case)
    adapter.reset_budget()
    client = tweepy.Client(bearer_token="placeholder", return_type=dict, wait_on_rate_limit=False)
    make_session(adapter, client.session)
    return lambda: client.request("GET", PATH)


CLIENTS = {"ours": ours, "praw": praw_session, "tweepy": tweepy_session}


@pytest.mark.parametrize("case_id", list(CASES))
@pytest.mark.parametrize("client_id", list(CLIENTS))
def test_every_client_retries_alike(
    replay: Replay, sleeps: list[float], client_id: str, case_id: str
) -> None:
    case = CASES[case_id]
    for response in case.responses:
        replay.add_response("GET", PATH, **response)
    send = CLIENTS[client_id](replay, sleeps, case)

    error: ConnectorError | None = None
    try:
        for _ in range(case.calls):
            send()
    except ConnectorError as exc:
        error = exc

    if case.outcome is None:
        assert error is None, error
    else:
        assert type(error) is case.outcome, error
        assert error is not None and str(error).startswith("src: ")
    if isinstance(error, RateLimited):
        assert error.retry_after == pytest.approx(case.retry_after)
    assert sleeps == pytest.approx(case.sleeps)
    assert len(replay.requests) == case.requests


def test_prawcore_passes_our_errors_through_unwrapped(replay: Replay, sleeps: list[float]) -> None:
    """prawcore wraps what a session raises in RequestException; ours must reach the connector as is."""
    case = CASES["503-storm"]
    for response in case.responses:
        replay.add_response("GET", PATH, **response)
    send = praw_session(replay, sleeps, case)

    with pytest.raises(TransientError) as info:
        send()
    assert not isinstance(info.value, prawcore.RequestException)
