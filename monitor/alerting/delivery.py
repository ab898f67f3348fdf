"""Delivery through Apprise: one target at a time, retried with backoff, never past the guard.

- The URL is read when sending (env or file), registered as a secret for the log redaction, and
  never put in a log line, an error or a result; errors name the target.
- The destination guard runs at SEND time, before every attempt: the host the URL makes Apprise
  connect to is resolved and refused if any address is private, loopback, link-local or
  otherwise not globally routable, and webhooks must be https (SMTP must not be mode=insecure),
  unless the target has `allow_private = true`. Apprise is told not to follow redirects, so a
  public URL cannot bounce the request to an internal one. (The check and Apprise's own
  connection resolve the name separately, so a DNS answer that changes in between is not caught.)
- A failing target is retried `retries` times with full-jitter exponential backoff (the shared
  arithmetic of connectors/http.py) and reports its failure; other targets do not wait for it
  (the engine sends to each target in its own thread).

Message bodies are rendered by messages.py for the target's kind and handed to Apprise as
*passthrough* (no body_format), so Apprise sends our escaping untouched, except email, which is
HTML (Jinja2 autoescape) declared as such. Slack URLs get `blocks=yes`: in Apprise's legacy Slack
layout passthrough text is re-scanned for `<!channel>` and made live again, in blocks it is not.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import apprise
from apprise import AppriseAsset
from apprise.plugins import url_to_dict

from connectors.credentials import redact
from connectors.errors import ConfigError, MonitorError
from connectors.http import full_jitter_delay
from monitor.alerting.messages import Notice, Rendered, render

if TYPE_CHECKING:
    from monitor.config import Settings
    from monitor.config.alerts import AlertConfig, Target

log = logging.getLogger(__name__)
# Apprise's debug and info lines print target URLs (tokens included); its warnings do not.
# (monitor.logs.RedactSecrets would redact them on our handler; this keeps them out of any other.)
logging.getLogger("apprise").setLevel(logging.WARNING)
Resolver = Callable[..., list[Any]]
BACKOFF_CAP = 60.0
# Hosts that Apprise's own service schemes post to (the URL cannot point them elsewhere).
SERVICE_HOSTS = {"slack": "hooks.slack.com", "discord": "discord.com"}


class Refused(MonitorError):
    """The guard refused a destination; retrying now would not change the answer."""


@dataclass(frozen=True)
class DeliveryResult:
    target: str
    ok: bool
    attempts: int
    error: str | None = None
    at: datetime | None = None
    permanent: bool = False  # refused by the guard: retrying will not help until settings change


@dataclass(frozen=True)
class Destination:
    host: str
    port: int
    encrypted: bool  # https, or SMTP with TLS


def destination(url: str) -> Destination:
    """Where Apprise will connect for this target URL (the guard checks this host)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("target URL has an invalid port") from None
    if scheme in SERVICE_HOSTS:
        return Destination(SERVICE_HOSTS[scheme], 443, True)
    if scheme in {"mailto", "mailtos"}:
        query = {k.lower(): v[-1] for k, v in parse_qs(parts.query).items()}
        mode = query.get("mode", "").lower()
        host = query.get("smtp") or parts.hostname or ""
        secure = scheme == "mailtos" or mode != "insecure"
        return Destination(host, port or (465 if mode == "ssl" else 587 if secure else 25), secure)
    secure = scheme in {"https", "jsons", "workflows", "workflow"}
    return Destination(parts.hostname or "", port or (443 if secure else 80), secure)


def check_destination(url: str, *, allow_private: bool, resolve: Resolver = socket.getaddrinfo) -> None:
    """Raise Refused unless the target may be sent to now (see the module docstring)."""
    if allow_private:
        return
    dest = destination(url)
    if not dest.host:
        raise Refused("target URL names no host")
    try:
        infos = resolve(dest.host, dest.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise MonitorError(f"cannot resolve the target's host: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            raise Refused(
                f"target resolves to a private or local address ({address}); "
                "set allow_private = true for this target to allow it"
            )
    if not dest.encrypted:
        raise Refused(
            "target is not encrypted (http or plain SMTP); use https / TLS or set allow_private = true"
        )


def apprise_url(url: str, kind: str) -> str:
    """The URL as Apprise should get it.

    - json targets may be given as plain https/http webhook URLs: they become jsons/json, and the
      URL's query parameters are sent as query parameters (Apprise's `-name=value` form);
    - slack URLs get `blocks=yes` (see the module docstring).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if kind == "json" and scheme in {"http", "https"}:
        params = [
            (f"-{k}", v)
            for k, values in parse_qs(parts.query, keep_blank_values=True).items()
            for v in values
        ]
        return urlunsplit(
            ("jsons" if scheme == "https" else "json", parts.netloc, parts.path, urlencode(params), "")
        )
    if kind == "slack":
        query = [(k, v) for k, v in _query(parts.query) if k.lower() != "blocks"] + [("blocks", "yes")]
        return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
    return url


def _query(query: str) -> list[tuple[str, str]]:
    return [(k, v[-1]) for k, v in parse_qs(query, keep_blank_values=True).items()]


class Sender:
    """Sends rendered notices to configured targets (thread-safe; holds no connection)."""

    def __init__(
        self,
        config: AlertConfig,
        timezone: Any,
        *,
        sleep: Callable[[float], object] = time.sleep,
        environ: Mapping[str, str] | None = None,
        resolve: Resolver = socket.getaddrinfo,
        rng: random.Random | None = None,
        timeout: float = 30.0,
        stop: threading.Event | None = None,
    ) -> None:
        self.config = config
        self.timezone = timezone
        self.sleep = sleep
        self.environ = environ
        self.resolve = resolve
        self.rng = rng or random.Random()
        self.timeout = timeout
        self.stop = stop  # set when the daemon shuts down: no further attempts

    def send(
        self, target: Target, notice: Notice, *, attachments: Sequence[Path] = (), attempts: int | None = None
    ) -> DeliveryResult:
        """Up to `attempts` (default: settings' retries) tries with backoff; never raises."""
        attempts = attempts or self.config.retries
        try:
            url = target.url(self.environ)
            kind = target.resolved_kind(url)
        except ConfigError as exc:
            log.error("alert target %s: %s", target.name, exc)
            return DeliveryResult(target.name, False, 1, str(exc))
        rendered = render(notice, kind, self.timezone)
        error = "not sent"
        for attempt in range(attempts):
            if attempt:
                if self.stop is not None and self.stop.is_set():
                    return DeliveryResult(target.name, False, attempt, f"{error} (then shutting down)")
                self.sleep(
                    full_jitter_delay(
                        attempt - 1, self.config.retry_backoff.total_seconds(), BACKOFF_CAP, self.rng
                    )
                )
            try:
                check_destination(url, allow_private=target.allow_private, resolve=self.resolve)
                ok, error = self._apprise(url, kind, rendered, attachments)
            except Refused as exc:
                error = str(exc)
                log.error("alert target %s: refused: %s", target.name, error)
                return DeliveryResult(target.name, False, attempt + 1, f"refused: {error}", permanent=True)
            except MonitorError as exc:
                ok, error = False, str(exc)
            except Exception as exc:  # a bug in a plugin fails this attempt, not the other targets
                log.exception("alert target %s: unexpected error while sending", target.name)
                ok, error = False, f"{type(exc).__name__}: {exc}"
            if ok:
                return DeliveryResult(target.name, True, attempt + 1)
            error = redact(error)
            log.warning(
                "alert target %s: attempt %d of %d failed: %s", target.name, attempt + 1, attempts, error
            )
        return DeliveryResult(target.name, False, attempts, error)

    def _apprise(
        self, url: str, kind: str, rendered: Rendered, attachments: Sequence[Path]
    ) -> tuple[bool, str]:
        asset = AppriseAsset(http_redirects=False, async_mode=False, secure_logging=True)
        target_url = apprise_url(url, kind)
        spec: str | dict[str, Any] = target_url
        if rendered.json_fields:
            parsed = url_to_dict(target_url, secure_logging=True)
            if parsed is None:
                return False, "Apprise does not recognise the target URL (check its format)"
            parsed["payload"] = {**(parsed.get("payload") or {}), **rendered.json_fields}
            spec = parsed
        plugin = apprise.Apprise.instantiate(spec, asset=asset)
        if plugin is None:
            return False, "Apprise does not recognise the target URL (check its format)"
        box = apprise.Apprise(asset=asset)
        box.add(plugin)
        result = box.notify(
            body=rendered.body,
            title=rendered.title,
            body_format=rendered.body_format,
            notify_type=rendered.severity,
            attach=[str(p) for p in attachments] or None,
            timeout=self.timeout,
        )
        if result:
            return True, ""
        lines = [_message_of(str(entry)) for entry in result.logs()]
        message = "; ".join(x for x in lines if x)[:500]
        return False, message or f"delivery failed ({getattr(result, 'status', '?')})"


def _message_of(entry: str) -> str:
    """Apprise log entries read `time - LEVEL - message`; keep the message."""
    return entry.split(" - ", 2)[-1].strip()


def send_to_targets(
    settings: Settings,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[Path] = (),
    targets: Sequence[str] | None = None,
    *,
    now: datetime | None = None,
    data: Mapping[str, Any] | None = None,
    sleep: Callable[[float], object] = time.sleep,
    environ: Mapping[str, str] | None = None,
) -> list[DeliveryResult]:
    """Send one message through the configured targets (all, or those named), each in its own
    thread so a slow or failing target does not hold up the others; one result per target.

    For other features (the weekly report is sent this way). `text` is plain text and is
    escaped for each target (Slack, Markdown); `html` (trusted, already escaped by the caller)
    replaces the text for email; `data` goes to JSON targets as a structured field.
    """
    config = settings.alerts
    names = list(targets) if targets is not None else list(config.targets)
    for name in names:
        if name not in config.targets:
            raise ConfigError(
                f"unknown alert target {name!r} (configured: {', '.join(config.targets) or 'none'})"
            )
    notice = Notice.message(subject, text, html=html, data=dict(data or {}))
    sender = Sender(config, settings.timezone, sleep=sleep, environ=environ)
    if not names:
        return []
    with ThreadPoolExecutor(len(names), thread_name_prefix="send") as pool:
        futures = [
            pool.submit(sender.send, config.targets[n], notice, attachments=attachments) for n in names
        ]
        results = [f.result() for f in futures]
    return [DeliveryResult(r.target, r.ok, r.attempts, r.error, now) for r in results]
