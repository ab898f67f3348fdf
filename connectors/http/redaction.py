"""No secret reaches an error message or a log line.

URLs are shown with sensitive query parameters replaced by ``REDACTED``, and every configured secret
(plus the values of sensitive query parameters, auth headers and body fields of the request) is
replaced wherever it appears in the text, including echoes of it in a response body. Errors are
raised ``from None`` elsewhere because the exceptions of requests/urllib3 carry the unredacted URL.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote_plus, urlsplit, urlunsplit

import requests
from urllib3.exceptions import MaxRetryError

REDACTED = "REDACTED"

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
_PREVIEW_CHARS = 80


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


def body_secrets(body: Any) -> list[str]:
    """Values of sensitive-looking fields of a request body: a mapping (as given to requests), or
    the form-encoded or JSON bytes of a prepared request."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = dict(parse_qsl(body))
    if not isinstance(body, Mapping):
        return []
    return [
        str(value)
        for name, value in body.items()
        if isinstance(name, str) and _SENSITIVE_NAME.search(name) and isinstance(value, str | int)
    ]


def request_redactor(request: requests.PreparedRequest, secrets: Iterable[str] = ()) -> Redactor:
    """The redactor of one prepared request: `secrets`, plus what its headers, URL and body carry."""
    derived = header_secrets(request.headers) + url_secrets(request.url or "") + body_secrets(request.body)
    return Redactor([*secrets, *(s for s in derived if len(s) >= MIN_DERIVED_SECRET)])


def url_origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL: credentials are sent only to their API's origin."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


# -- messages --------------------------------------------------------------------------------------


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


def content_type(response: requests.Response) -> str:
    return strip_controls(response.headers.get("Content-Type", "")) or "none"


def status_text(response: requests.Response, redactor: Redactor) -> str:
    text = f"HTTP {response.status_code}"
    preview = body_preview(response, redactor)
    return f'{text} ({content_type(response)}): "{preview}"' if preview else text


def describe_exception(exc: BaseException) -> str:
    """A short description of a network failure (the urllib3 reason, not its "Max retries" wrapper)."""
    reason: object = exc.args[0] if exc.args else exc
    if isinstance(reason, MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    return f"{type(exc).__name__} ({strip_controls(str(reason))})"
