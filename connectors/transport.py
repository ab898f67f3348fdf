"""The retry layer for client libraries that own their `requests.Session` (praw/prawcore, tweepy).

`connectors.http.HttpClient` is our own client; praw and tweepy build their requests themselves and
only let us choose the session. So the one retry layer of the product sits where both pass through:
a `requests` transport adapter mounted on that session. It

- rewrites requests aimed at an API's real hosts to the configured `base_url` (tweepy hard-codes
  ``https://api.twitter.com``; this is how `base_url`, proxies and the replay server apply to it),
- retries 5xx, 408, connection errors and timeouts with full-jitter backoff,
- on 429 waits for ``Retry-After`` or the API's reset header *within the time budget*, and
  otherwise raises `RateLimited(retry_after)` so the poll is deferred to the next run,
- waits (within budget) or defers before sending when the last response said the rate-limit
  window is used up, which replaces prawcore's own sleeping rate limiter,
- never puts a secret into a log line or an error message.

A retryable failure that is not resolved within `max_attempts` or the budget is *raised* as our
own error rather than returned as a response. That is what keeps the libraries' own retry loops
idle: prawcore only retries 5xx statuses and `requests` connection errors, and it never sees either.

The retry arithmetic (`full_jitter_delay`, `parse_retry_after`, `parse_reset`) and the redaction are
those of `connectors.http`, imported rather than copied.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import should_bypass_proxies
from urllib3.util.retry import Retry

from .errors import ConfigError, ConnectorError, RateLimited, TransientError

# These helpers of connectors.http are shared on purpose: one definition of "what is a secret", "how a failure
# is described" and "what counts as a network error" for both HTTP paths of the product.
from .http import (
    MIN_DERIVED_SECRET,
    NETWORK_ERRORS,
    TRANSIENT_STATUSES,
    HttpPolicy,
    Redactor,
    ResetUnit,
    describe_exception,
    full_jitter_delay,
    header_secrets,
    parse_number,
    parse_reset,
    parse_retry_after,
    redact_url,
    status_text,
    url_origin,
    url_secrets,
    utc_now,
)

__all__ = ["PolicyAdapter", "make_session", "policy_for", "rate_limit_wait"]

logger = logging.getLogger("connectors.transport")
_DEFAULT_POLICY = HttpPolicy()  # frozen, so sharing one instance is safe


def policy_for(timeout: float) -> HttpPolicy:
    """The policy of a source whose settings give one `timeout` (seconds) for a request."""
    return HttpPolicy(connect_timeout=min(5.0, timeout), read_timeout=timeout)


def rate_limit_wait(
    headers: Mapping[str, str], reset_header: tuple[str, ResetUnit] | None, now: datetime
) -> float | None:
    """How long a 429 asks us to wait: ``Retry-After`` first, else the API's reset header when its
    window is used up (a missing "remaining" counts as used up on a 429); None when unknown."""
    wait = parse_retry_after(headers.get("Retry-After"), now)
    if wait is not None or reset_header is None:
        return wait
    name, unit = reset_header
    remaining = parse_number(headers.get(_remaining_name(name)))
    if remaining is not None and remaining > 0:
        return None  # another limit tripped; this window's reset says nothing about it
    return parse_reset(headers.get(name), unit, now)


def _remaining_name(reset_name: str) -> str:
    """x-ratelimit-reset -> x-ratelimit-remaining, x-rate-limit-reset -> x-rate-limit-remaining."""
    return reset_name[: -len("reset")] + "remaining" if reset_name.lower().endswith("reset") else reset_name


class PolicyAdapter(HTTPAdapter):
    """A `requests` adapter that applies one source's `HttpPolicy` to every request it sends.

    `rewrite_hosts` are the API's real host names; requests to them go to `base_url` instead
    (scheme, host, port and path prefix). When `base_url` *is* one of those hosts nothing is
    rewritten. `headers` are set on every request to the API (after the library built it), so a
    credential can reach the wire without passing through a library that logs its headers.
    `reset_header` names the API's rate-limit reset header and its unit.

    The time budget covers all waiting between two `reset_budget()` calls (connectors call it at
    the start of each fetch), per thread, so one poll never sleeps longer than the budget in total.
    """

    def __init__(
        self,
        policy: HttpPolicy = _DEFAULT_POLICY,
        *,
        source: str,
        base_url: str | None = None,
        rewrite_hosts: Iterable[str] = (),
        reset_header: tuple[str, ResetUnit] | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        # urllib3's own retries off: stacked retry layers multiply attempts and ignore budgets.
        super().__init__(max_retries=Retry(0, read=False))
        self.policy = policy
        self.source = source
        self._headers = dict(headers or {})
        self._secrets = tuple(s for s in secrets if s) + tuple(header_secrets(self._headers))
        self._base = self._parse_base(base_url)
        hosts = {h.lower() for h in rewrite_hosts}
        base_host = (self._base.hostname or "").lower() if self._base else ""
        self._rewrite_hosts = frozenset() if base_host in hosts else frozenset(hosts)
        self._api_origins = {url_origin(f"https://{h}") for h in hosts}
        if base_url is not None:
            self._api_origins.add(url_origin(base_url))
        self._reset_header = reset_header
        self._sleep = sleep
        self._now = now
        self._rng = rng if rng is not None else random.Random()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._window_until: datetime | None = None  # the rate-limit window is used up until then

    def _parse_base(self, base_url: str | None) -> SplitResult | None:
        if base_url is None:
            return None
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            shown = redact_url(base_url, self._secrets)
            raise ConfigError(f"{self.source}: base_url must be an http(s) URL, got {shown!r}")
        return parts

    # -- the budget -------------------------------------------------------------------------------

    def reset_budget(self) -> None:
        """Start a new budget window for this thread (one fetch = one poll = one budget)."""
        self._local.slept = 0.0

    @property
    def slept(self) -> float:
        """Seconds this thread has waited since its last `reset_budget()`."""
        return float(getattr(self._local, "slept", 0.0))

    def _spend(self, seconds: float) -> None:
        self._sleep(seconds)
        self._local.slept = self.slept + seconds

    # -- sending ----------------------------------------------------------------------------------

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send with retries; return a response that is final (< 500, not 408/429) or raise.

        Raises TransientError (network failure, 5xx, 408 after `max_attempts` or past the budget),
        RateLimited (429 or a used-up window we cannot afford to wait for) or ConnectorError
        (a request that cannot succeed: bad URL, certificate problem).
        """
        proxies = dict(proxies or {})
        if self._rewrite(request):
            assert request.url is not None
            # Proxies were chosen for the original host; the target is now another one.
            if should_bypass_proxies(request.url, no_proxy=proxies.get("no_proxy")):
                proxies = {}
        if self._headers and self._is_api(request.url or ""):
            request.headers.update(self._headers)
        redactor = self._redactor(request)
        target = f"{request.method} {redactor.url(request.url or '')}"
        if timeout is None:
            timeout = (self.policy.connect_timeout, self.policy.read_timeout)
        self._wait_for_window(target, redactor)
        policy = self.policy
        for attempt in range(1, policy.max_attempts + 1):
            wait: float | None = None  # what the server told us to wait, if anything
            rate_limited = False
            try:
                response = super().send(
                    request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
                )
            except requests.exceptions.SSLError as exc:  # a certificate problem does not heal
                raise self._fail(ConnectorError, f"{target}: {describe_exception(exc)}", redactor) from None
            except NETWORK_ERRORS as exc:
                problem = describe_exception(exc)
            except requests.RequestException as exc:  # invalid URL, unsupported proxy, ...
                raise self._fail(ConnectorError, f"{target}: {describe_exception(exc)}", redactor) from None
            else:
                self._note_window(response)
                status = response.status_code
                if status == 429:
                    rate_limited = True
                    wait = rate_limit_wait(response.headers, self._reset_header, self._now())
                elif status >= 500 or status in TRANSIENT_STATUSES:
                    wait = parse_retry_after(response.headers.get("Retry-After"), self._now())
                    rate_limited = wait is not None  # the server named its price: let the caller defer
                else:
                    return response
                problem = status_text(response, redactor)
                response.close()
            delay = (
                wait
                if wait is not None
                else full_jitter_delay(attempt - 1, policy.backoff_base, policy.backoff_cap, self._rng)
            )
            if attempt == policy.max_attempts:
                message = f"{target} failed after {attempt} attempts: {problem}"
                raise self._give_up(rate_limited, message, wait, redactor)
            left = policy.time_budget - self.slept
            if delay > left:
                message = (
                    f"{target}: {problem}; waiting {delay:.1f} s would exceed the time budget "
                    f"({left:.1f} s of {policy.time_budget:.0f} s left)"
                )
                raise self._give_up(rate_limited, message, wait, redactor)
            logger.info(
                "%s",
                redactor.text(
                    f"{self.source}: {target}: {problem}; retry {attempt + 1} of {policy.max_attempts} "
                    f"in {delay:.2f} s"
                ),
            )
            self._spend(delay)
        raise AssertionError("unreachable")  # pragma: no cover -- the loop always returns or raises

    # -- helpers ----------------------------------------------------------------------------------

    def _rewrite(self, request: requests.PreparedRequest) -> bool:
        if self._base is None or not self._rewrite_hosts or request.url is None:
            return False
        parts = urlsplit(request.url)
        if (parts.hostname or "").lower() not in self._rewrite_hosts:
            return False
        base = self._base
        path = base.path.rstrip("/") + parts.path
        request.url = urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))
        return True

    def _is_api(self, url: str) -> bool:
        try:
            return url_origin(url) in self._api_origins
        except ValueError:
            return False

    def _redactor(self, request: requests.PreparedRequest) -> Redactor:
        derived = header_secrets(request.headers) + url_secrets(request.url or "")
        return Redactor([*self._secrets, *(s for s in derived if len(s) >= MIN_DERIVED_SECRET)])

    def _fail(self, cls: type[ConnectorError], message: str, redactor: Redactor, **kw: Any) -> ConnectorError:
        return cls(redactor.text(f"{self.source}: {message}"), source=self.source, **kw)

    def _give_up(
        self, rate_limited: bool, message: str, wait: float | None, redactor: Redactor
    ) -> ConnectorError:
        if rate_limited:
            # `wait` is what the server asked for; None lets the caller fall back to its interval.
            return self._fail(RateLimited, message, redactor, retry_after=wait)
        return self._fail(TransientError, message, redactor)

    def _note_window(self, response: requests.Response) -> None:
        """Remember when a used-up rate-limit window reopens (remaining <= 0 on any response)."""
        if self._reset_header is None:
            return
        name, unit = self._reset_header
        remaining = parse_number(response.headers.get(_remaining_name(name)))
        if remaining is None:
            return
        until = None
        if remaining <= 0:
            now = self._now()
            seconds = parse_reset(response.headers.get(name), unit, now)
            until = now + timedelta(seconds=seconds) if seconds else None
        with self._lock:
            self._window_until = until

    def _wait_for_window(self, target: str, redactor: Redactor) -> None:
        """Before sending into a used-up window: wait for it within the budget, or defer the poll."""
        with self._lock:
            until = self._window_until
        if until is None:
            return
        wait = (until - self._now()).total_seconds()
        if wait <= 0:
            with self._lock:
                if self._window_until == until:
                    self._window_until = None
            return
        left = self.policy.time_budget - self.slept
        if wait > left:
            message = (
                f"{target}: rate-limit window used up for another {wait:.1f} s, more than the time "
                f"budget allows ({left:.1f} s of {self.policy.time_budget:.0f} s left)"
            )
            raise self._fail(RateLimited, message, redactor, retry_after=wait)
        logger.info("%s", redactor.text(f"{self.source}: rate-limit window used up; waiting {wait:.2f} s"))
        self._spend(wait)


def make_session(adapter: PolicyAdapter, session: requests.Session | None = None) -> requests.Session:
    """Route every request of `session` (a new one if None) through `adapter`, and nothing else.

    Used both for sessions we create (prawcore's Requestor takes one) and for sessions a library
    created itself (tweepy's `Client.session`).
    """
    session = session if session is not None else requests.Session()
    session.adapters.clear()  # no more specific prefix may bypass the policy
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
