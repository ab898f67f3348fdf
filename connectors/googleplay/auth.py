"""Service-account authentication for the Google Play Developer API (OAuth 2.0 JWT bearer grant).

A service-account key file (JSON, from Google Cloud console) holds the account's email, an RSA
private key and the token endpoint (`token_uri`). We sign a short-lived JWT assertion with the key
(RS256, PyJWT on `cryptography`) and exchange it at the token endpoint for an access token with the
androidpublisher scope (RFC 7523; Google's "OAuth 2.0 for server to server applications").

Why not google-auth: its token request retries and sleeps on its own, which would be a second retry
layer beside `connectors.http`. Here the exchange is one POST through the source's HttpClient, so
the one policy, time budget and redaction apply to it too.

The key is read once, when the source is built (a missing or broken file is a ConfigError naming
the setting), and every part of it that is secret is registered with `remember_secret` so the log
filter redacts it wherever it might surface.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from connectors.credentials import remember_secret
from connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    PayloadError,
    RateLimited,
    TransientError,
)
from connectors.http.client import HttpClient
from connectors.http.redaction import Redactor, body_preview, strip_controls

__all__ = [
    "ENV_VAR",
    "SCOPE",
    "TOKEN_URI",
    "ServiceAccount",
    "TokenSource",
    "load_service_account",
    "rewrap",
    "token_endpoint",
]

SCOPE = "https://www.googleapis.com/auth/androidpublisher"
TOKEN_URI = "https://oauth2.googleapis.com/token"
ENV_VAR = "MONITOR_GOOGLEPLAY_SERVICE_ACCOUNT_FILE"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = timedelta(hours=1)  # Google's maximum
REFRESH_MARGIN = timedelta(minutes=5)  # renew a token this long before it expires


@dataclass(frozen=True)
class ServiceAccount:
    """The parts of a service-account key file the token exchange needs."""

    client_email: str
    token_uri: str
    private_key_id: str | None
    key: RSAPrivateKey = field(repr=False)

    def assertion(self, now: datetime) -> str:
        """A signed JWT asking for the androidpublisher scope; `aud` is the key's own token_uri
        (Google checks it), whichever host the request is actually sent to."""
        claims = {
            "iss": self.client_email,
            "scope": SCOPE,
            "aud": self.token_uri,
            "iat": int(now.timestamp()),
            "exp": int((now + ASSERTION_LIFETIME).timestamp()),
        }
        headers = {"kid": self.private_key_id} if self.private_key_id else None
        return jwt.encode(claims, self.key, algorithm="RS256", headers=headers)


def _key_file(setting: str | None, source_name: str, environ: Mapping[str, str]) -> tuple[str, str]:
    """(path as given, where it was given) from the setting, else the environment variable."""
    if setting:
        return setting, f"sources.{source_name}.service_account_file"
    value = environ.get(ENV_VAR, "").strip()
    if value:
        return value, f"{ENV_VAR} (source {source_name!r})"
    raise ConfigError(
        f"source {source_name!r} needs a service-account key file: set the setting service_account_file "
        f"or the environment variable {ENV_VAR} to its path"
    )


def load_service_account(
    setting: str | None,
    *,
    source_name: str,
    base_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> ServiceAccount:
    """The key file named by the `service_account_file` setting or by MONITOR_GOOGLEPLAY_SERVICE_ACCOUNT_FILE.

    Every problem is a ConfigError naming where the path came from; no message ever shows the key.
    """
    given, where = _key_file(setting, source_name, os.environ if environ is None else environ)
    path = Path(given).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"{where}: cannot read {path}: {reason}") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise ConfigError(f"{where}: {path} is not JSON; expected a service-account key file") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: {path} is not a service-account key file (not a JSON object)")
    kind = data.get("type")
    if kind != "service_account":
        raise ConfigError(
            f"{where}: {path} is not a service-account key file (type is {str(kind)[:30]!r}, expected "
            '"service_account"; create a JSON key for a service account in Google Cloud console)'
        )
    private_key = data.get("private_key")
    if isinstance(private_key, str) and private_key:
        remember_secret(private_key)
        for line in private_key.splitlines():
            if len(line) >= 16 and not line.startswith("-----"):
                remember_secret(line)
    email = data.get("client_email")
    if not isinstance(email, str) or "@" not in email:
        raise ConfigError(f"{where}: {path} has no client_email")
    token_uri = data.get("token_uri") or TOKEN_URI
    if not isinstance(token_uri, str) or not token_uri.startswith("https://"):
        raise ConfigError(f"{where}: {path}: token_uri must be an https URL")
    key_id = data.get("private_key_id")
    return ServiceAccount(
        email, token_uri, key_id if isinstance(key_id, str) else None, _rsa_key(private_key, where, path)
    )


def _rsa_key(private_key: Any, where: str, path: Path) -> RSAPrivateKey:
    if not isinstance(private_key, str) or not private_key.strip():
        raise ConfigError(f"{where}: {path} has no private_key")
    try:
        key = serialization.load_pem_private_key(private_key.encode("utf-8"), password=None)
    except (ValueError, TypeError):  # never include the library's message: it may quote the key
        raise ConfigError(f"{where}: {path}: private_key is not a readable PEM private key") from None
    if not isinstance(key, RSAPrivateKey):
        raise ConfigError(f"{where}: {path}: private_key is not an RSA key (Google signs with RS256)")
    return key


def token_endpoint(token_uri: str, base_url: str | None, api_url: str) -> str:
    """Where to send the token request: the key's token_uri, or, when `base_url` points the API
    somewhere else (a proxy, a test server), the same path on that host (as for reddit's token
    endpoint), so that one setting moves all of a source's traffic."""
    if not base_url or base_url.rstrip("/") == api_url.rstrip("/"):
        return token_uri
    base, target = urlsplit(base_url), urlsplit(token_uri)
    return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + target.path, target.query, ""))


def rewrap(
    exc: ConnectorError, redactor: Redactor, *, cls: type[ConnectorError] | None = None, hint: str = ""
) -> ConnectorError:
    """`exc` with its message redacted again (for secrets the shared layer could not know, such as
    the signed assertion) and optionally another class and a hint for the person who must act."""
    message = redactor.text(str(exc)) + (f"; {hint}" if hint else "")
    target = cls or type(exc)
    if issubclass(target, RateLimited):
        return target(message, retry_after=getattr(exc, "retry_after", None), source=exc.source)
    return target(message, source=exc.source)


class TokenSource:
    """Access tokens for one service account, minted on demand and reused until shortly before
    they expire (Google's last an hour)."""

    def __init__(
        self,
        account: ServiceAccount,
        client: HttpClient,
        *,
        url: str,
        source: str,
        now: Callable[[], datetime],
    ) -> None:
        self.account = account
        self.url = url
        self._client = client
        self._source = source
        self._now = now
        self._token: str | None = None
        self._expires: datetime | None = None
        self._lock = threading.Lock()  # the daemon polls one source for several brands at once

    @property
    def cached(self) -> bool:
        """Whether `token()` would answer without asking the token endpoint."""
        return self._token is not None and self._expires is not None and self._now() < self._expires

    def invalidate(self) -> None:
        with self._lock:
            self._token = self._expires = None

    def token(self) -> str:
        with self._lock:
            if self.cached:
                assert self._token is not None
                return self._token
            return self._mint()

    def _mint(self) -> str:
        now = self._now()
        assertion = self.account.assertion(now)
        redactor = Redactor([assertion])
        try:
            response = self._client.request(
                "POST",
                self.url,
                data={"grant_type": GRANT_TYPE, "assertion": assertion},
                headers={"Accept": "application/json"},
            )
        except (TransientError, PayloadError) as exc:
            raise rewrap(exc, redactor) from None
        except ConnectorError as exc:  # 400 invalid_grant, 401 invalid_client, ...
            raise rewrap(
                exc,
                redactor,
                cls=AuthError,
                hint=(
                    f"the token endpoint refused the key of {self.account.client_email} (deleted or "
                    "disabled key, or a clock far off?); create a new JSON key for the service account"
                ),
            ) from None
        token, lifetime = self._parse(response, redactor)
        margin = min(REFRESH_MARGIN, lifetime / 2)
        self._token = token
        self._expires = now + lifetime - margin
        return token

    def _parse(self, response: Any, redactor: Redactor) -> tuple[str, timedelta]:
        try:
            data = json.loads(response.content)
        except (ValueError, RecursionError):
            data = None
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            preview = body_preview(response, redactor) if data is None else f"keys {sorted(data)[:5]}"
            raise PayloadError(
                redactor.text(
                    f"{self._source}: POST {redactor.url(self.url)} -> HTTP {response.status_code}: "
                    f"no access_token in the token response ({strip_controls(str(preview))})"
                ),
                source=self._source,
            )
        lifetime = data.get("expires_in")
        known = isinstance(lifetime, int | float) and not isinstance(lifetime, bool) and lifetime > 0
        return token, timedelta(seconds=float(lifetime) if known else 3600.0)
