"""Our own HTTP client: a base URL, default headers and parsed JSON on a `requests.Session` whose
adapter is THE retry loop (`connectors.http.transport.PolicyAdapter`), the same one praw's and
tweepy's sessions get.

The adapter retries and waits; this client adds what only our own connectors need: URLs relative
to `base_url`, credentials only to that origin, the status of a final response as one of our
errors, and JSON parsing that says what came back when it is not JSON.
"""

from __future__ import annotations

import json as _json
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import default_user_agent

from connectors.errors import AuthError, ConfigError, ConnectorError, PayloadError
from connectors.http.policy import Decision, HttpPolicy, RateLimitHeaders, decision_for, utc_now
from connectors.http.redaction import (
    MIN_DERIVED_SECRET,
    Redactor,
    body_preview,
    body_secrets,
    content_type,
    describe_exception,
    header_secrets,
    redact_url,
    request_redactor,
    status_text,
    strip_controls,
    url_origin,
)
from connectors.http.transport import PolicyAdapter, make_session

__all__ = ["DEFAULT_USER_AGENT", "HttpClient"]

DEFAULT_USER_AGENT = "brand-sentiment-monitor/0.1 (+self-hosted)"
_ABSOLUTE_URL = re.compile(r"(?i)https?://")
_DEFAULT_POLICY = HttpPolicy()  # frozen, so sharing one instance is safe


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
        policy: HttpPolicy = _DEFAULT_POLICY,
        session: requests.Session | None = None,
        headers: Mapping[str, str] | None = None,
        rate_limit: RateLimitHeaders | None = None,
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
        self.adapter = PolicyAdapter(
            policy, source=source, rate_limit=rate_limit, secrets=self._secrets, sleep=sleep, now=now, rng=rng
        )
        self._own_session = session is None
        self.session = make_session(self.adapter, session)
        self._headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        session_agent = self.session.headers.get("User-Agent")
        if session_agent in (None, default_user_agent()):
            self._headers["User-Agent"] = DEFAULT_USER_AGENT
        self._headers.update(headers or {})

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
                f"content-type {content_type(response)}: body is not JSON ({why}); "
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
            *(s for s in body_secrets(data) + body_secrets(json) if len(s) >= MIN_DERIVED_SECRET),
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
        redactor = request_redactor(prepared, secrets)
        target = f"{method} {redactor.url(prepared.url)}"
        settings = self.session.merge_environment_settings(prepared.url, {}, None, None, None)
        self.adapter.reset_budget()  # the budget of our client covers one logical request
        try:
            response = self.session.send(prepared, allow_redirects=True, **settings)
        except ConnectorError:
            raise  # the adapter's own errors, already redacted
        except requests.RequestException as exc:  # too many redirects, invalid redirect URL, ...
            raise self._fail(ConnectorError, f"{target}: {describe_exception(exc)}", redactor) from None
        decision = decision_for(response.status_code)
        if decision is None:
            return response, redactor
        problem = status_text(response, redactor)
        if decision is Decision.AUTH:
            raise self._fail(AuthError, f"{target} -> {problem}: credentials refused", redactor)
        raise self._fail(ConnectorError, f"{target} -> {problem}", redactor)
