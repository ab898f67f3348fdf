"""praw on our transport: building the `praw.Reddit` a reddit source uses, and turning what praw
and prawcore raise into our errors.

praw does the OAuth (application-only, client-credentials grant) and builds the requests; they leave
through a session whose adapter (`connectors.http.transport.PolicyAdapter`) is the one retry layer.
prawcore has its own retrying and sleeping, switched off here so only the source's policy and time
budget hold:

- 5xx / 408 / connection errors: prawcore retries those (``Session.RETRY_STATUSES`` /
  ``RETRY_EXCEPTIONS``, with ``time.sleep``). It never sees them: the adapter retries them itself and
  then *raises* TransientError/RateLimited instead of returning the response, and `PolicyRequestor`
  passes our errors through instead of wrapping them in prawcore's RequestException (which is not
  among the exceptions prawcore retries either way).
- The proactive rate limiter (``RateLimiter.delay``: up to 10 s per request, or until the window
  resets when it is used up): it only acts on ``x-ratelimit-*`` response headers, and
  `PolicyRequestor` removes them from the response prawcore sees, after the adapter has read them
  (the adapter waits for a used-up window within the budget, or defers the poll).
- 401: prawcore drops the token and retries so that the authorizer fetches a new one, sleeping
  0-4 s between up to two retries. The refresh is worth keeping (a revoked token heals with a new
  one), the sleeping is not: praw's sessions get a strategy with one immediate retry. Neither praw
  nor prawcore takes a strategy as an argument, so the attribute is set after construction; the
  401 test in tests/connectors/test_reddit.py notices if a prawcore upgrade renames it.

We use `praw.Reddit.request` (parsed JSON, no praw models), so the listing JSON is kept as sent for
the audit payload and the connector sees page boundaries, where cursors are committed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import praw
import prawcore
from prawcore.sessions import FiniteRetryStrategy

from connectors.errors import AuthError, ConnectorError, PayloadError, RateLimited, TransientError
from connectors.http.policy import parse_retry_after
from connectors.http.redaction import Redactor, body_preview
from connectors.http.transport import PolicyAdapter, make_session

__all__ = ["PolicyRequestor", "make_reddit", "map_error"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _RefreshOnce(FiniteRetryStrategy):
    """prawcore's retry strategy reduced to one immediate retry (after a 401, with a new token)."""

    retries: int = 1

    def _sleep_seconds(self) -> float | None:
        return None


class PolicyRequestor(prawcore.Requestor):
    """prawcore's Requestor on our session: lets our errors through and hides the rate-limit
    headers from prawcore's own (sleeping) rate limiter."""

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        try:
            response = super().request(*args, timeout=timeout, **kwargs)
        except prawcore.RequestException as exc:
            if isinstance(exc.original_exception, ConnectorError):
                raise exc.original_exception from None
            raise
        for name in [n for n in response.headers if n.lower().startswith("x-ratelimit-")]:
            del response.headers[name]
        return response


def make_reddit(
    credentials: Mapping[str, str], *, base_url: str | None, adapter: PolicyAdapter, timeout: float
) -> praw.Reddit:
    """A read-only (application-only) `praw.Reddit` whose every request goes through `adapter`.

    Every setting is passed explicitly: praw would otherwise also read praw.ini files and `praw_*`
    environment variables, which could switch it to a user login or another host. `base_url` (a proxy
    or a test server) serves both the API (`oauth_url`) and the token endpoint (`reddit_url`).
    """
    urls = {"oauth_url": base_url.rstrip("/") + "/", "reddit_url": base_url.rstrip("/")} if base_url else {}
    reddit = praw.Reddit(
        site_name="DEFAULT",
        client_id=credentials["client_id"],
        client_secret=credentials["client_secret"],
        user_agent=credentials["user_agent"],
        username=None,
        password=None,
        refresh_token=None,
        check_for_updates=False,  # no request to PyPI from a daemon
        check_for_async=False,
        timeout=int(max(1, timeout)),
        requestor_class=PolicyRequestor,
        requestor_kwargs={"session": make_session(adapter)},
        **urls,
    )
    for core in {reddit._core, reddit._read_only_core, reddit._authorized_core}:
        if core is None:
            continue
        if hasattr(core, "_retry_strategy_class"):
            core._retry_strategy_class = _RefreshOnce
        else:  # pragma: no cover - a prawcore we do not know: its 401 retry may sleep a few seconds
            log.warning("prawcore.Session has no _retry_strategy_class; its 401 retries keep their sleep")
    return reddit


def map_error(
    exc: Exception, *, source: str, what: str, missing: str, redactor: Redactor, now: datetime
) -> ConnectorError:
    """What praw/prawcore raised, as our error; `what` names the request, `missing` the subreddits a
    404 or redirect is about. Messages go through `redactor` (the client secret never shows)."""
    response = getattr(exc, "response", None)
    if response is not None and response.request is not None and response.url:  # e.g. the token request
        what = f"{response.request.method} {redactor.url(response.url)}"
    if isinstance(exc, prawcore.Redirect | prawcore.NotFound):
        cls, message = ConnectorError, f"{what}: not found; check that {missing} exists and is public"
    elif isinstance(exc, prawcore.TooManyRequests):
        wait = parse_retry_after(exc.retry_after, now)
        return RateLimited(redactor.text(f"{source}: {what}: {exc}"), retry_after=wait, source=source)
    elif isinstance(exc, prawcore.ServerError | prawcore.RequestException):
        cls, message = TransientError, f"{what}: {exc}"
    elif isinstance(exc, prawcore.OAuthException | prawcore.InvalidToken | prawcore.Forbidden):
        cls, message = AuthError, f"{what}: Reddit refused the credentials ({exc})"
    elif isinstance(exc, prawcore.InsufficientScope):
        cls, message = AuthError, f"{what}: the application may not read this ({exc})"
    elif isinstance(exc, prawcore.BadJSON):
        preview = body_preview(exc.response, redactor)
        cls, message = PayloadError, f'{what}: the response is not JSON; it starts with "{preview}"'
    elif isinstance(exc, prawcore.ResponseException):
        status = exc.response.status_code
        cls = AuthError if status in (401, 403) else TransientError if status >= 500 else ConnectorError
        message = f"{what}: HTTP {status}" + (": credentials refused" if cls is AuthError else "")
    else:
        cls, message = ConnectorError, f"{what}: {type(exc).__name__}: {exc}"
    return cls(redactor.text(f"{source}: {message}"), source=source)
