"""THE retry loop of the product: a `requests` transport adapter.

Our own client (`connectors.http.client.HttpClient`) and the client libraries that own their
session (praw through prawcore, tweepy) all send through a `requests.Session` with a
`PolicyAdapter` mounted, so retrying, backoff, ``Retry-After``, rate-limit windows, the time budget
and redaction behave the same whichever client built the request. The adapter

- retries what `policy.decision_for` calls RETRY (5xx, 408) and network failures with full-jitter
  backoff, and RATE_LIMITED (429) after ``Retry-After`` or the API's reset header, else backoff;
- waits for a used-up rate-limit window (remaining = 0 and a reset header) before sending;
- never sleeps past the time budget: it raises `RateLimited(retry_after)` (the server named a wait,
  or a 429) so the poll is deferred, or `TransientError`;
- returns every other response (successes, 4xx) for the client to interpret;
- rewrites requests aimed at an API's real hosts to the configured `base_url` (tweepy hard-codes
  ``https://api.twitter.com``) and sets credential headers on requests to the API only.

A retryable failure that is not resolved is *raised* as our own error rather than returned as a
response. That is what keeps the libraries' own retry loops idle: prawcore only retries 5xx
statuses and `requests` connection errors, and it never sees either.
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

from connectors.errors import ConfigError, ConnectorError, RateLimited, TransientError
from connectors.http.policy import (
    Decision,
    HttpPolicy,
    RateLimitHeaders,
    decision_for,
    full_jitter_delay,
    parse_retry_after,
    rate_limit_wait,
    utc_now,
    window_wait,
)
from connectors.http.redaction import (
    Redactor,
    describe_exception,
    header_secrets,
    redact_url,
    request_redactor,
    status_text,
    url_origin,
)

__all__ = ["NETWORK_ERRORS", "PolicyAdapter", "make_session"]

# One logger for the whole HTTP layer, whichever client sent the request.
logger = logging.getLogger("connectors.http")
_DEFAULT_POLICY = HttpPolicy()  # frozen, so sharing one instance is safe

NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class PolicyAdapter(HTTPAdapter):
    """A `requests` adapter that applies one source's `HttpPolicy` to every request it sends.

    `rewrite_hosts` are the API's real host names; requests to them go to `base_url` instead
    (scheme, host, port and path prefix). When `base_url` *is* one of those hosts nothing is
    rewritten. `headers` are set on every request to the API (after the library built it), so a
    credential can reach the wire without passing through a library that logs its headers.
    `rate_limit` names the API's rate-limit headers (see `policy.RATE_LIMITS`).

    The time budget covers all waiting between two `reset_budget()` calls, per thread: our client
    starts one per logical request, the praw/tweepy connectors one per fetch.
    """

    def __init__(
        self,
        policy: HttpPolicy = _DEFAULT_POLICY,
        *,
        source: str,
        base_url: str | None = None,
        rewrite_hosts: Iterable[str] = (),
        rate_limit: RateLimitHeaders | None = None,
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
        self.rate_limit = rate_limit
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
        """Start a new budget window for this thread."""
        self._local.slept = 0.0

    @property
    def slept(self) -> float:
        """Seconds this thread has waited since its last `reset_budget()`."""
        return float(getattr(self._local, "slept", 0.0))

    def _spend(self, seconds: float) -> None:
        self._sleep(seconds)
        self._local.slept = self.slept + seconds

    # -- sending ----------------------------------------------------------------------------------

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send with retries; return a response that is final (< 400, or a 4xx other than 408/429)
        or raise.

        Raises TransientError (network failure, 5xx, 408 after `max_attempts` or past the budget),
        RateLimited (429, a Retry-After or a used-up window we cannot afford to wait for) or
        ConnectorError (a request that cannot succeed: bad URL, certificate problem).
        """
        proxies = dict(proxies or {})
        if self._rewrite(request):
            assert request.url is not None
            # Proxies were chosen for the original host; the target is now another one.
            if should_bypass_proxies(request.url, no_proxy=proxies.get("no_proxy")):
                proxies = {}
        if self._headers and self._is_api(request.url or ""):
            request.headers.update(self._headers)
        redactor = request_redactor(request, self._secrets)
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
                decision = decision_for(response.status_code)
                if decision is Decision.RATE_LIMITED:
                    rate_limited = True
                    wait = rate_limit_wait(response.headers, self.rate_limit, self._now())
                elif decision is Decision.RETRY:
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
                raise self._give_up(rate_limited, message, wait, attempt, redactor)
            left = policy.time_budget - self.slept
            if delay > left:
                message = (
                    f"{target}: {problem}; waiting {delay:.1f} s would exceed the time budget "
                    f"({left:.1f} s of {policy.time_budget:.0f} s left)"
                )
                raise self._give_up(rate_limited, message, wait, attempt, redactor)
            logger.info(
                "%s",
                redactor.text(
                    f"{self.source}: {target}: {problem}; retry {attempt + 1} of {policy.max_attempts} "
                    f"in {delay:.2f} s"
                ),
            )
            self._spend(delay)
            if rate_limited and wait is not None:
                self._clear_window()  # waited as long as the server asked: the window has reopened
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

    def _fail(self, cls: type[ConnectorError], message: str, redactor: Redactor, **kw: Any) -> ConnectorError:
        return cls(redactor.text(f"{self.source}: {message}"), source=self.source, **kw)

    def _give_up(
        self, rate_limited: bool, message: str, wait: float | None, attempt: int, redactor: Redactor
    ) -> ConnectorError:
        if rate_limited:
            # What the server asked for; a 429 that names no wait defers by the backoff that would
            # have come next, within the policy's maximum wait.
            retry_after = wait if wait is not None else self.policy.backoff_ceiling(attempt - 1)
            return self._fail(RateLimited, message, redactor, retry_after=retry_after)
        return self._fail(TransientError, message, redactor)

    def _note_window(self, response: requests.Response) -> None:
        """Remember when a used-up rate-limit window reopens (remaining <= 0 on any response)."""
        now = self._now()
        seconds = window_wait(response.headers, self.rate_limit, now)
        if seconds is None:
            return
        with self._lock:
            self._window_until = now + timedelta(seconds=seconds) if seconds else None

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
        self._clear_window()

    def _clear_window(self) -> None:
        with self._lock:
            self._window_until = None


def make_session(adapter: PolicyAdapter, session: requests.Session | None = None) -> requests.Session:
    """Route every request of `session` (a new one if None) through `adapter`, and nothing else.

    Used for our own client's session, for prawcore's Requestor (which takes one) and for the
    session tweepy created itself (`tweepy.Client.session`).
    """
    session = session if session is not None else requests.Session()
    session.adapters.clear()  # no more specific prefix may bypass the policy
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
