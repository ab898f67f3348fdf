"""The one HTTP layer every connector uses (compare prawcore under praw).

- `policy`: how patient a source is and what statuses and rate-limit headers mean, as data;
- `redaction`: no secret reaches an error message or a log line;
- `transport`: THE retry loop, a `requests` transport adapter mounted on every session;
- `client`: our own client, a session with that adapter and a base URL.

Everything that makes the behaviour time-dependent (sleep, clock, randomness) is injected, so tests
run against a real local server without ever sleeping.
"""

from connectors.http.client import DEFAULT_USER_AGENT, HttpClient
from connectors.http.policy import (
    RATE_LIMITS,
    HttpPolicy,
    RateLimitHeaders,
    ResetUnit,
    full_jitter_delay,
    parse_reset,
    parse_retry_after,
    policy_for,
)
from connectors.http.redaction import REDACTED, Redactor, redact_url
from connectors.http.transport import PolicyAdapter, make_session

__all__ = [
    "DEFAULT_USER_AGENT",
    "RATE_LIMITS",
    "REDACTED",
    "HttpClient",
    "HttpPolicy",
    "PolicyAdapter",
    "RateLimitHeaders",
    "Redactor",
    "ResetUnit",
    "full_jitter_delay",
    "make_session",
    "parse_reset",
    "parse_retry_after",
    "policy_for",
    "redact_url",
]
