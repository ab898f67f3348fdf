"""What the retry loop decides, kept as data: how patient a source is, what each status means,
and how each API tells us its rate limit (compare prawcore's STATUS_EXCEPTIONS table).

Everything here is pure: times come in as arguments, so the arithmetic is testable without a
server or a clock.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum
from types import MappingProxyType
from typing import Literal, get_args

__all__ = [
    "RATE_LIMITS",
    "STATUS_DECISIONS",
    "Decision",
    "HttpPolicy",
    "RateLimitHeaders",
    "ResetUnit",
    "decision_for",
    "full_jitter_delay",
    "parse_number",
    "parse_reset",
    "parse_retry_after",
    "policy_for",
    "rate_limit_wait",
    "utc_now",
]

ResetUnit = Literal["seconds", "epoch", "iso"]
_RESET_UNITS: frozenset[str] = frozenset(get_args(ResetUnit))
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


@dataclass(frozen=True, slots=True)
class HttpPolicy:
    """How patient one source is. Defaults suit a daemon polling every few minutes.

    `time_budget` bounds the sleeping of one budget window (a call of our own client, a fetch of a
    praw/tweepy source), so a rate-limited source defers to the next poll (via
    `RateLimited.retry_after`) instead of blocking the whole cycle.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 4
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    time_budget: float = 120.0

    def __post_init__(self) -> None:
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise ValueError("HttpPolicy timeouts must be positive")
        if self.max_attempts < 1:
            raise ValueError("HttpPolicy.max_attempts must be at least 1")
        if self.backoff_base < 0 or self.backoff_cap < 0 or self.time_budget < 0:
            raise ValueError("HttpPolicy backoff_base, backoff_cap and time_budget must not be negative")

    def backoff_ceiling(self, attempt: int) -> float:
        """The longest backoff before retry `attempt` (counted from 0), bounded by `backoff_cap`.

        A 429 that names no wait is deferred by this (for the attempt that would have come next):
        long enough to let the limit recover, never longer than the policy's maximum wait.
        """
        return (
            self.backoff_cap if attempt >= 1000 else min(self.backoff_cap, self.backoff_base * 2.0**attempt)
        )


def policy_for(timeout: float) -> HttpPolicy:
    """The policy of a source whose settings give one `timeout` (seconds) for a request."""
    return HttpPolicy(connect_timeout=min(5.0, timeout), read_timeout=timeout)


# -- statuses --------------------------------------------------------------------------------------


class Decision(Enum):
    """What a response status means to the retry loop and to our client."""

    RETRY = "retry"  # transient: retry with backoff (or the Retry-After the server names)
    RATE_LIMITED = "rate_limited"  # wait as the server says, else back off; defer the poll on give-up
    AUTH = "auth"  # credentials refused: retrying will not help until a person acts
    FAIL = "fail"  # the request cannot succeed as sent


# The statuses with a meaning of their own; other 5xx retry, other 4xx fail, < 400 succeed.
STATUS_DECISIONS: Mapping[int, Decision] = MappingProxyType(
    {
        401: Decision.AUTH,
        403: Decision.AUTH,
        408: Decision.RETRY,
        429: Decision.RATE_LIMITED,
    }
)


def decision_for(status: int) -> Decision | None:
    """The decision for an HTTP status; None for a success (< 400)."""
    if status < 400:
        return None
    if status in STATUS_DECISIONS:
        return STATUS_DECISIONS[status]
    return Decision.RETRY if status >= 500 else Decision.FAIL


# -- rate-limit headers ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateLimitHeaders:
    """How one API reports its rate-limit window: the reset header, its unit, the remaining header."""

    reset: str
    unit: ResetUnit
    remaining: str

    def __post_init__(self) -> None:
        if self.unit not in _RESET_UNITS:
            raise ValueError(f"unknown reset unit {self.unit!r}; expected one of {sorted(_RESET_UNITS)}")


# Each API counts differently: Reddit's reset is seconds until the reset (possibly "525.0"), X's a
# Unix time, Mastodon's an ISO 8601 date.
RATE_LIMITS: Mapping[str, RateLimitHeaders] = MappingProxyType(
    {
        "reddit": RateLimitHeaders("x-ratelimit-reset", "seconds", "x-ratelimit-remaining"),
        "x": RateLimitHeaders("x-rate-limit-reset", "epoch", "x-rate-limit-remaining"),
        "mastodon": RateLimitHeaders("X-RateLimit-Reset", "iso", "X-RateLimit-Remaining"),
    }
)


# -- arithmetic ------------------------------------------------------------------------------------


def full_jitter_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """AWS "full jitter": uniform(0, min(cap, base * 2**attempt)).

    Spreading retries over the whole window keeps many daemons that failed together from hammering
    the API together again. `attempt` counts from 0 (the delay before the first retry).
    """
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    if base < 0 or cap < 0:
        raise ValueError("base and cap must not be negative")
    # 2**attempt as a float overflows past ~1023; the cap has long taken over by then.
    ceiling = cap if attempt >= 1000 else min(cap, base * 2.0**attempt)
    return rng.uniform(0.0, ceiling)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _as_utc(moment: datetime) -> datetime:
    """Naive datetimes from headers (or a careless clock) are taken as UTC, never as local time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _seconds_until(when: datetime, now: datetime) -> float:
    return max(0.0, (_as_utc(when) - _as_utc(now)).total_seconds())


def parse_number(text: str | None) -> float | None:
    """A plain decimal number (no exponent, no NaN/inf, ASCII digits only), else None."""
    if text is None:
        return None
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from an RFC 9110 ``Retry-After`` header, or None if absent or unreadable.

    The header is either delta-seconds or an HTTP-date; a date is converted against the injected
    `now` so the result is testable. Past dates and negative numbers mean "now" (0), and garbage
    means "the server did not say" (None) so the caller falls back to backoff instead of failing.
    """
    if value is None or not value.strip():
        return None
    seconds = parse_number(value)
    if seconds is not None:
        return max(0.0, seconds)
    if _NUMBER.fullmatch(value.strip()):
        return None  # a number too large to be finite
    try:
        when = parsedate_to_datetime(value.strip())
        return _seconds_until(when, now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_reset(value: str | None, unit: ResetUnit, now: datetime) -> float | None:
    """Seconds from `now` until a rate-limit window resets, or None if absent or unreadable.

    `unit` says how the API counts (see `RATE_LIMITS`). A reset in the past means 0.
    """
    if unit not in _RESET_UNITS:
        raise ValueError(f"unknown reset unit {unit!r}; expected one of {sorted(_RESET_UNITS)}")
    if value is None or not value.strip():
        return None
    if unit == "seconds":
        seconds = parse_number(value)
        return None if seconds is None else max(0.0, seconds)
    if unit == "epoch":
        stamp = parse_number(value)
        return None if stamp is None else max(0.0, stamp - _as_utc(now).timestamp())
    try:
        return _seconds_until(datetime.fromisoformat(value.strip()), now)
    except (ValueError, OverflowError):
        return None


def rate_limit_wait(
    headers: Mapping[str, str], rate_limit: RateLimitHeaders | None, now: datetime
) -> float | None:
    """How long a 429 asks us to wait: ``Retry-After`` first, else the API's reset header when its
    window is used up (a missing or unreadable "remaining" counts as used up on a 429); None when
    the response does not say."""
    wait = parse_retry_after(headers.get("Retry-After"), now)
    if wait is not None or rate_limit is None:
        return wait
    remaining = parse_number(headers.get(rate_limit.remaining))
    if remaining is not None and remaining > 0:
        return None  # another limit tripped; this window's reset says nothing about it
    return parse_reset(headers.get(rate_limit.reset), rate_limit.unit, now)


def window_wait(
    headers: Mapping[str, str], rate_limit: RateLimitHeaders | None, now: datetime
) -> float | None:
    """Seconds until a used-up window (remaining <= 0) reopens; 0 when the response says the window
    is open; None when it says nothing about the window."""
    if rate_limit is None:
        return None
    remaining = parse_number(headers.get(rate_limit.remaining))
    if remaining is None:
        return None
    if remaining > 0:
        return 0.0
    return parse_reset(headers.get(rate_limit.reset), rate_limit.unit, now) or 0.0
