"""The one HTTP layer every connector uses (compare prawcore under praw).

Retry, backoff with jitter, `Retry-After` and per-API rate-limit headers, timeouts, status-to-error
mapping and secret redaction live here once, so a connector only says which URL it wants and turns
JSON into mentions. Everything that makes the behaviour time-dependent (sleep, clock, randomness) is
injected, so tests run against a real local server without ever sleeping.

Three rules shape the design:

- A poll cycle must never hang: every call has a `time_budget` of seconds it may spend sleeping, and a
  wait that would exceed it raises (`RateLimited` with `retry_after` for the caller to defer to the
  next run, `TransientError` otherwise) instead of sleeping.
- There is exactly one retry layer: urllib3's own retries are switched off on the session's adapters.
- No secret reaches an error message or a log line: URLs are shown with sensitive query parameters
  replaced by ``REDACTED``, and every configured secret (plus the values of sensitive query
  parameters and auth headers of the request) is replaced wherever it appears in the text, including
  echoes of it in a response body. Errors are raised ``from None`` because the exceptions of
  requests/urllib3 carry the unredacted URL and would otherwise be printed with our traceback.
"""

from __future__ import annotations

import json as _json
import logging
import math
import random
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, get_args
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import default_user_agent
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from .errors import AuthError, ConfigError, ConnectorError, PayloadError, RateLimited, TransientError

__all__ = [
    "DEFAULT_USER_AGENT",
    "REDACTED",
    "HttpClient",
    "HttpPolicy",
    "ResetUnit",
    "full_jitter_delay",
    "parse_reset",
    "parse_retry_after",
    "redact_url",
]

logger = logging.getLogger("connectors.http")

DEFAULT_USER_AGENT = "brand-sentiment-monitor/0.1 (+self-hosted)"
REDACTED = "REDACTED"

ResetUnit = Literal["seconds", "epoch", "iso"]
_RESET_UNITS: frozenset[str] = frozenset(get_args(ResetUnit))

# Query parameters / headers whose value is a credential. Deliberately broad ("contains"): showing
# REDACTED for a harmless parameter costs a little debugging comfort, leaking a key costs much more.
_SENSITIVE_NAME = re.compile(r"key|token|secret|password|signature", re.IGNORECASE)
_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
# `name=value` pairs in free text (exception messages, response bodies) whose name looks sensitive.
_SENSITIVE_PAIR = re.compile(
    r"(?i)([\w.\-\[\]%]*(?:key|token|secret|password|signature)[\w.\-\[\]%]*=)([^&\s#\"'<>,;)]+)"
)
# Derived secrets shorter than this are not replaced in free text: they would mangle messages and
# real credentials are much longer. Secrets passed explicitly are always replaced.
MIN_DERIVED_SECRET = 4
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_ABSOLUTE_URL = re.compile(r"(?i)https?://")
_PREVIEW_CHARS = 80
TRANSIENT_STATUSES = frozenset({408})


@dataclass(frozen=True, slots=True)
class HttpPolicy:
    """How patient one call is. Defaults suit a daemon polling every few minutes.

    `time_budget` bounds the total sleeping of one call, so a rate-limited source defers to the next
    poll (via `RateLimited.retry_after`) instead of blocking the whole cycle.
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
    # Local on purpose: this layer needs nothing else from connectors.types.
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
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:  # older Pythons returned None instead of raising
        return None
    try:
        return _seconds_until(when, now)
    except OverflowError:
        return None


def parse_reset(value: str | None, unit: ResetUnit, now: datetime) -> float | None:
    """Seconds from `now` until a rate-limit window resets, or None if absent or unreadable.

    Each API counts differently, hence `unit`: Reddit's ``x-ratelimit-reset`` is seconds until the
    reset (possibly "525.0"), X's ``x-rate-limit-reset`` is a Unix time, Mastodon's
    ``X-RateLimit-Reset`` an ISO 8601 date. A reset in the past means 0.
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
        when = datetime.fromisoformat(value.strip())
        return _seconds_until(when, now)
    except (ValueError, OverflowError):
        return None


# --------------------------------------------------------------------------------------------------
# Redaction


def _secret_variants(secrets: Iterable[str]) -> tuple[str, ...]:
    """Each secret as written and as it looks percent-encoded in a URL, longest first."""
    variants: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        variants.update({secret, quote(secret, safe=""), quote_plus(secret)})
    return tuple(sorted(variants, key=len, reverse=True))


def _replace_all(text: str, variants: Iterable[str]) -> str:
    for variant in variants:
        text = text.replace(variant, REDACTED)
    return text


def _redact_pairs(text: str) -> str:
    """Replace the value of every sensitive-looking ``name=value`` pair in free text."""
    return _SENSITIVE_PAIR.sub(lambda m: m.group(1) + REDACTED, text)


def _redact_query(query: str) -> str:
    pieces = []
    for piece in query.split("&"):
        name, eq, _value = piece.partition("=")
        if eq and _SENSITIVE_NAME.search(unquote_plus(name)):
            piece = f"{name}={REDACTED}"
        pieces.append(piece)
    return "&".join(pieces)


def _redact_url_structure(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return _redact_pairs(url)
    netloc = parts.netloc
    if "@" in netloc:  # user:password@ or token@ -- either way a credential
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    return urlunsplit(
        (parts.scheme, netloc, parts.path, _redact_query(parts.query), _redact_query(parts.fragment))
    )


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    """`url` safe to show in a message or log: sensitive query parameters (name containing key,
    token, secret, password or signature) and userinfo become REDACTED, and every string in `secrets`
    is replaced wherever it appears (e.g. a token in the path).
    """
    return _redact_url_structure(_replace_all(url, _secret_variants(secrets)))


class Redactor:
    """The secrets of one request, applied to everything we are about to show."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._variants = _secret_variants(secrets)

    def url(self, url: str) -> str:
        return _redact_url_structure(_replace_all(url, self._variants))

    def text(self, text: str) -> str:
        return _redact_pairs(_replace_all(text, self._variants))


def header_secrets(headers: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for name, value in headers.items():
        if not isinstance(value, str) or not value:
            continue
        if name.lower() in _SENSITIVE_HEADERS or _SENSITIVE_NAME.search(name):
            found.append(value)
            _scheme, _, credential = value.partition(" ")  # "Bearer abc" -> also "abc"
            if credential.strip():
                found.append(credential.strip())
    return found


def url_secrets(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found: list[str] = []
    for piece in f"{parts.query}&{parts.fragment}".split("&"):
        name, eq, value = piece.partition("=")
        if eq and value and _SENSITIVE_NAME.search(unquote_plus(name)):
            found += [value, unquote_plus(value)]
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        found += [userinfo, *userinfo.split(":")]
    return found


def _body_secrets(body: Any) -> list[str]:
    if not isinstance(body, Mapping):
        return []
    return [
        str(value)
        for name, value in body.items()
        if isinstance(name, str) and _SENSITIVE_NAME.search(name) and isinstance(value, str | int)
    ]


# --------------------------------------------------------------------------------------------------
# Messages


def strip_controls(text: str) -> str:
    """Hostile text made printable on one line: control/format characters gone, whitespace collapsed."""
    kept = (" " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C")
    return " ".join("".join(kept).split())


def body_preview(response: requests.Response, redactor: Redactor) -> str:
    """The first characters of a body, cleaned and redacted *before* truncation (so no secret is
    half-shown)."""
    raw = response.content[: _PREVIEW_CHARS * 8] if response.content else b""
    text = redactor.text(strip_controls(raw.decode("utf-8", errors="replace")))
    return text[:_PREVIEW_CHARS]


def _content_type(response: requests.Response) -> str:
    return strip_controls(response.headers.get("Content-Type", "")) or "none"


def status_text(response: requests.Response, redactor: Redactor) -> str:
    text = f"HTTP {response.status_code}"
    preview = body_preview(response, redactor)
    return f'{text} ({_content_type(response)}): "{preview}"' if preview else text


def describe_exception(exc: BaseException) -> str:
    """A short description of a network failure (the urllib3 reason, not its "Max retries" wrapper)."""
    reason: object = exc.args[0] if exc.args else exc
    if isinstance(reason, MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    return f"{type(exc).__name__} ({strip_controls(str(reason))})"


def url_origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


def _disable_urllib3_retries(session: requests.Session) -> None:
    """Make this module the only retry layer: stacked retries multiply attempts and ignore budgets."""
    for prefix in ("http://", "https://"):
        if prefix not in session.adapters:
            session.mount(prefix, HTTPAdapter(max_retries=0))
    for adapter in session.adapters.values():
        if isinstance(adapter, HTTPAdapter):
            adapter.max_retries = Retry(0, read=False)


NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class HttpClient:
    """One source's view of an HTTP API: a base URL, default headers and a retry policy.

    Connectors call `get_json` / `request` and receive parsed data or a `ConnectorError` subclass
    whose message names the source and the (redacted) URL; they never see requests' exceptions.
    """

    def __init__(
        self,
        base_url: str,
        *,
        source: str,
        policy: HttpPolicy = HttpPolicy(),  # frozen, so sharing the default instance is safe
        session: requests.Session | None = None,
        headers: Mapping[str, str] | None = None,
        reset_header: tuple[str, ResetUnit] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
        secrets: Iterable[str] = (),
    ) -> None:
        self.source = source
        self.policy = policy
        self._secrets = tuple(s for s in secrets if s)
        if not _ABSOLUTE_URL.match(base_url):
            shown = redact_url(base_url, self._secrets)
            raise ConfigError(f"{source}: base_url must be an http(s) URL, got {shown!r}")
        self.base_url = base_url
        self.url_origin = url_origin(base_url)
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()
        _disable_urllib3_retries(self.session)
        self._headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        session_agent = self.session.headers.get("User-Agent")
        if session_agent in (None, default_user_agent()):
            self._headers["User-Agent"] = DEFAULT_USER_AGENT
        self._headers.update(headers or {})
        self._reset_header: tuple[str, ResetUnit] | None = None
        self._remaining_header: str | None = None
        if reset_header is not None:
            name, unit = reset_header
            if unit not in _RESET_UNITS:
                raise ValueError(f"unknown reset unit {unit!r}; expected one of {sorted(_RESET_UNITS)}")
            self._reset_header = (name, unit)
            # x-ratelimit-reset -> x-ratelimit-remaining, X-RateLimit-Reset -> X-RateLimit-Remaining
            self._remaining_header = re.sub("reset", "remaining", name, flags=re.IGNORECASE)
        self._sleep = sleep
        self._now = now
        self._rng = rng if rng is not None else random.Random()

    # -- public -----------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one logical request, retrying what is worth retrying, and return a < 400 response.

        Raises TransientError (network, 5xx, 408 after `max_attempts` or past the budget),
        RateLimited (429, or a Retry-After we cannot afford to wait for), AuthError (401/403) or
        ConnectorError (other 4xx, unusable request).
        """
        response, _ = self._send(method, path, params=params, json=json, data=data, headers=headers)
        return response

    def get_json(self, path: str, params: Any = None) -> Any:
        """GET and parse JSON; a body that is not JSON (an HTML error page served with 200, a
        truncated download) is a PayloadError that shows what came back, not a bare ValueError."""
        response, redactor = self._send("GET", path, params=params)
        try:
            return _json.loads(response.content)
        except (ValueError, RecursionError) as exc:
            why = "nested too deeply" if isinstance(exc, RecursionError) else strip_controls(str(exc))
            preview = body_preview(response, redactor)
            message = (
                f"{self.source}: GET {redactor.url(response.url)} -> HTTP {response.status_code}, "
                f"content-type {_content_type(response)}: body is not JSON ({why}); "
                f'starts with "{preview}"'
            )
            raise PayloadError(redactor.text(message), source=self.source) from None

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._own_session:
            self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------------

    def url_for(self, path: str) -> str:
        """`path` under base_url (which may carry a prefix such as /api/v1; a leading "/" in `path`
        stays under that prefix); an absolute http(s) URL, e.g. a "next" link, is used as-is."""
        if _ABSOLUTE_URL.match(path):
            return path
        if not path:
            return self.base_url
        return f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"

    def _headers_for(self, url: str, extra: Mapping[str, str] | None) -> CaseInsensitiveDict[str]:
        merged: CaseInsensitiveDict[str] = CaseInsensitiveDict(self._headers)
        try:
            same_origin = url_origin(url) == self.url_origin
        except ValueError:
            same_origin = False
        if not same_origin:
            # A "next" link from a payload may point anywhere; our credentials go only to our API.
            for name in [n for n in merged if header_secrets({n: merged[n]})]:
                del merged[name]
        merged.update(extra or {})
        return merged

    def _fail(self, cls: type[ConnectorError], message: str, redactor: Redactor, **kw: Any) -> ConnectorError:
        return cls(redactor.text(f"{self.source}: {message}"), source=self.source, **kw)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[requests.Response, Redactor]:
        method = method.upper()
        url = self.url_for(path)
        send_headers = self._headers_for(url, headers)
        secrets = [
            *self._secrets,
            *(s for s in header_secrets(send_headers) if len(s) >= MIN_DERIVED_SECRET),
            *(s for s in _body_secrets(data) + _body_secrets(json) if len(s) >= MIN_DERIVED_SECRET),
        ]
        redactor = Redactor(secrets)
        req = requests.Request(method, url, params=params, json=json, data=data, headers=send_headers)
        try:
            prepared = self.session.prepare_request(req)
        except (requests.RequestException, ValueError, TypeError) as exc:
            raise self._fail(
                ConnectorError,
                f"{method} {redactor.url(url)}: invalid request ({describe_exception(exc)})",
                redactor,
            ) from None
        assert prepared.url is not None
        secrets += [s for s in url_secrets(prepared.url) if len(s) >= MIN_DERIVED_SECRET]
        redactor = Redactor(secrets)
        target = f"{method} {redactor.url(prepared.url)}"
        settings = self.session.merge_environment_settings(prepared.url, {}, None, None, None)
        policy = self.policy
        timeout = (policy.connect_timeout, policy.read_timeout)
        slept = 0.0

        for attempt in range(1, policy.max_attempts + 1):
            wait: float | None = None  # what the server told us to wait, if anything
            rate_limited = False
            try:
                response = self.session.send(
                    prepared.copy(), timeout=timeout, allow_redirects=True, **settings
                )
            except requests.exceptions.SSLError as exc:  # a certificate problem does not heal by retrying
                raise self._fail(ConnectorError, f"{target}: {describe_exception(exc)}", redactor) from None
            except NETWORK_ERRORS as exc:
                problem = describe_exception(exc)
            except requests.RequestException as exc:  # too many redirects, invalid redirect URL, ...
                raise self._fail(ConnectorError, f"{target}: {describe_exception(exc)}", redactor) from None
            else:
                status = response.status_code
                if status < 400:
                    return response, redactor
                problem = status_text(response, redactor)
                if status in (401, 403):
                    raise self._fail(AuthError, f"{target} -> {problem}: credentials refused", redactor)
                if status == 429:
                    rate_limited = True
                    wait = self._rate_limit_wait(response)
                elif status >= 500 or status in TRANSIENT_STATUSES:
                    wait = parse_retry_after(response.headers.get("Retry-After"), self._now())
                    rate_limited = wait is not None  # the server named its price: let the caller defer
                else:
                    raise self._fail(ConnectorError, f"{target} -> {problem}", redactor)

            delay = (
                wait
                if wait is not None
                else full_jitter_delay(attempt - 1, policy.backoff_base, policy.backoff_cap, self._rng)
            )
            if attempt == policy.max_attempts:
                message = f"{target} failed after {attempt} attempts: {problem}"
                if rate_limited:
                    raise self._fail(RateLimited, message, redactor, retry_after=delay)
                raise self._fail(TransientError, message, redactor)
            left = policy.time_budget - slept
            if delay > left:
                message = (
                    f"{target}: {problem}; waiting {delay:.1f} s would exceed the retry budget "
                    f"({left:.1f} s of {policy.time_budget:.0f} s left)"
                )
                if rate_limited:
                    raise self._fail(RateLimited, message, redactor, retry_after=delay)
                raise self._fail(TransientError, message, redactor)
            logger.info(
                "%s",
                redactor.text(
                    f"{self.source}: {target}: {problem}; retry {attempt + 1} of {policy.max_attempts} "
                    f"in {delay:.2f} s"
                ),
            )
            self._sleep(delay)
            slept += delay
        raise AssertionError("unreachable")  # pragma: no cover -- the loop always returns or raises

    def _rate_limit_wait(self, response: requests.Response) -> float | None:
        """How long a 429 asks us to wait: Retry-After first, else the API's reset header when the
        window is used up (a missing or unreadable "remaining" counts as used up on a 429)."""
        now = self._now()
        wait = parse_retry_after(response.headers.get("Retry-After"), now)
        if wait is not None or self._reset_header is None:
            return wait
        name, unit = self._reset_header
        remaining = parse_number(response.headers.get(self._remaining_header or ""))
        if remaining is not None and remaining > 0:
            return None  # another limit tripped; the reset of this window says nothing about it
        return parse_reset(response.headers.get(name), unit, now)
