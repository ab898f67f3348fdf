"""The `[alerts]` section of settings.toml: notification targets and alert rules.

    [alerts]
    evaluate_every = "1m"          # the daemon's timer (it also evaluates after every poll)
    repeat_interval = "4h"         # reminders while an alert keeps firing (per rule: repeat_interval)

    [[alerts.targets]]
    name = "team-slack"
    kind = "slack"                 # slack, teams, discord, email, json; default: from the URL's scheme
    url_env = "MONITOR_ALERT_SLACK_URL"   # or url_file = "/run/secrets/slack_url"; never the URL here
    allow_private = false          # true: may send to private/loopback addresses and over plain http/SMTP

    [[alerts.rules]]
    name = "acme-negative"
    kind = "negative_spike"        # see alert_kinds.py for each kind's options
    brands = ["acme"]              # default: every brand ("brand" for one)
    targets = ["team-slack"]       # default: every target
    detection = { threshold = 6 }  # spike kinds: overrides of [detection]

Without any `[[alerts.rules]]` the default rules apply (the three spike rules for every brand and
connector_down for every source); `rules = []` means no rules at all.

Target URLs are secrets (tokens sit in their paths): they are read from the environment or a
file only when sending, registered with the log redaction, and never shown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from connectors.credentials import remember_secret
from connectors.errors import ConfigError
from monitor.config.alert_kinds import Rule, rule_kinds
from monitor.config.errors import first_error
from monitor.config.fields import Duration, Name, StrictModel

if TYPE_CHECKING:
    from monitor.config.detection import DetectionSettings

TargetKind = Literal["slack", "teams", "discord", "email", "json"]
TARGET_KINDS: tuple[str, ...] = ("slack", "teams", "discord", "email", "json")
DEFAULT_RULE_KINDS = ("negative_spike", "negative_share", "volume_spike", "connector_down")

_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Apprise schemes (and the hosts of their native https URLs) for each kind we deliver.
SCHEME_KINDS: dict[str, str] = {
    "slack": "slack",
    "discord": "discord",
    "workflow": "teams",
    "workflows": "teams",
    "mailto": "email",
    "mailtos": "email",
    "json": "json",
    "jsons": "json",
}
_NATIVE_HOSTS: tuple[tuple[str, str], ...] = (
    ("hooks.slack.com", "slack"),
    ("discord.com", "discord"),
    ("discordapp.com", "discord"),
    (".logic.azure.com", "teams"),
    (".powerplatform.com", "teams"),
)


class TargetSettings(StrictModel):
    name: Name
    kind: TargetKind | None = None
    url_env: str | None = None
    url_file: str | None = None
    allow_private: bool = False
    # Only here to say why it is refused: a URL in settings.toml would leak its token.
    url: Any = None

    @field_validator("url")
    @classmethod
    def _no_url(cls, v: Any) -> None:
        if v is not None:
            raise ValueError(
                "target URLs are secrets: give url_env (an environment variable) or url_file, "
                "never the URL in settings.toml"
            )
        return None

    @field_validator("url_env")
    @classmethod
    def _env(cls, v: str | None) -> str | None:
        if v is not None and not _ENV.match(v):
            raise ValueError(f"expected an environment variable name, got {v!r}")
        return v


class RuleSettings(BaseModel):
    """The keys every rule has; the kind's Options model checks the rest."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: Name
    kind: str
    brand: str | None = None
    brands: list[str] | None = None
    targets: list[str] | None = None
    repeat_interval: Duration | None = None
    enabled: bool = True

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        known = rule_kinds()
        if v not in known:
            raise ValueError(f"unknown rule kind {v!r} (known: {', '.join(sorted(known))})")
        return v


class AlertsSection(StrictModel):
    """`[alerts]` as written; `resolve_alerts` turns it into AlertConfig."""

    evaluate_every: Duration = timedelta(minutes=1)
    repeat_interval: Duration = timedelta(hours=4)
    retries: int = Field(3, ge=1, le=10)  # attempts per target per delivery round
    retry_backoff: Duration = timedelta(seconds=2)  # base of the exponential backoff between attempts
    max_attempts: int = Field(12, ge=1, le=100)  # attempts over all rounds before a notification is dropped
    lookback: Duration | None = None  # history the spike rules read; default from [detection]
    targets: list[TargetSettings] = []
    rules: list[RuleSettings] | None = None


@dataclass(frozen=True)
class Target:
    """A notification target; its URL is read only when it is needed (`url()`)."""

    name: str
    kind: str | None  # None: inferred from the URL
    url_env: str | None
    url_file: Path | None
    allow_private: bool
    path: str  # "alerts.targets[0]", for errors

    def url(self, environ: Mapping[str, str] | None = None) -> str:
        """The target URL, registered as a secret so no log line can show it."""
        environ = os.environ if environ is None else environ
        if self.url_file is not None:
            try:
                value = self.url_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"{self.path}.url_file: cannot read {self.url_file}: {exc.strerror}"
                ) from None
            if not value:
                raise ConfigError(f"{self.path}.url_file: {self.url_file} is empty")
        else:
            assert self.url_env is not None
            value = environ.get(self.url_env, "").strip()
            if not value:
                raise ConfigError(
                    f"{self.path}: target {self.name!r} needs its URL in the environment variable "
                    f"{self.url_env}"
                )
        for secret in url_secrets(value):
            remember_secret(secret)
        return value

    def url_source(self) -> str:
        """Where the URL comes from, for listings (never the URL itself)."""
        return f"env {self.url_env}" if self.url_env else f"file {self.url_file}"

    def resolved_kind(self, url: str) -> str:
        if self.kind is not None:
            return self.kind
        kind = infer_kind(url)
        if kind is None:
            scheme = url.split("://", 1)[0] if "://" in url else "?"
            raise ConfigError(
                f"{self.path}.kind: cannot tell the kind from a {scheme}:// URL; "
                f"set kind to one of {', '.join(TARGET_KINDS)}"
            )
        return kind


@dataclass(frozen=True)
class AlertConfig:
    targets: dict[str, Target]
    rules: tuple[Rule, ...]
    evaluate_every: timedelta
    retries: int
    retry_backoff: timedelta
    max_attempts: int
    lookback: timedelta | None
    default_rules: bool  # the rules are the built-in defaults (no [[alerts.rules]] given)

    def rule(self, name: str) -> list[Rule]:
        return [r for r in self.rules if r.name == name]


def infer_kind(url: str) -> str | None:
    """The target kind an Apprise URL stands for (None: not one we deliver)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme in SCHEME_KINDS:
        return SCHEME_KINDS[scheme]
    if scheme in {"http", "https"}:
        host = (parts.hostname or "").lower()
        for suffix, kind in _NATIVE_HOSTS:
            if host == suffix or (suffix.startswith(".") and host.endswith(suffix)):
                return kind
    return None


def url_secrets(url: str) -> list[str]:
    """The parts of a target URL that are credentials: the whole URL, its userinfo and password,
    its path and every token-like path segment or query value (Apprise rebuilds URLs in its own
    log lines, so the pieces must be redacted, not only the whole)."""
    out = [url]
    try:
        parts = urlsplit(url)
    except ValueError:
        return out
    if parts.password:
        out.append(parts.password)
    if "@" in parts.netloc:
        out.append(parts.netloc.rpartition("@")[0])
    if parts.path.strip("/"):
        out.append(parts.path)
    pieces = [p for p in parts.path.split("/") if p]
    pieces += [kv.partition("=")[2] for kv in parts.query.split("&") if "=" in kv]
    for piece in pieces:
        # Token-like: long, or with a digit; plain words such as "services" or "hooks" are not secrets.
        if len(piece) >= 20 or (len(piece) >= 6 and any(c.isdigit() for c in piece)):
            out.append(piece)
    return out


def resolve_alerts(
    section: AlertsSection,
    *,
    brands: Sequence[str],
    sources: Mapping[str, Any],
    detection: DetectionSettings,
    base_dir: Path,
    path: Path,
) -> AlertConfig:
    """Check references (brands, sources, targets, kinds' options) and build the rules.

    Raises ConfigError naming the setting, e.g. `settings.toml: alerts.rules[1].targets[0]: unknown
    target 'ops' (configured: team-slack)`.
    """
    targets: dict[str, Target] = {}
    for i, t in enumerate(section.targets):
        where = f"alerts.targets[{i}]"
        if t.name in targets:
            raise ConfigError(f"{path}: {where}.name: duplicate name {t.name!r}")
        if (t.url_env is None) == (t.url_file is None):
            raise ConfigError(f"{path}: {where}: give exactly one of url_env or url_file")
        url_file = None
        if t.url_file is not None:
            url_file = Path(t.url_file).expanduser()
            if not url_file.is_absolute():
                url_file = base_dir / url_file
        targets[t.name] = Target(t.name, t.kind, t.url_env, url_file, t.allow_private, where)

    if section.rules is None:
        rules = _default_rules(section, brands, targets, detection)
    else:
        rules = tuple(
            _rule(r, i, section, brands, sources, targets, detection, path)
            for i, r in enumerate(section.rules)
            if r.enabled
        )
        seen: set[str] = set()
        for i, r in enumerate(section.rules):
            if r.name in seen:
                raise ConfigError(f"{path}: alerts.rules[{i}].name: duplicate name {r.name!r}")
            seen.add(r.name)
    return AlertConfig(
        targets=targets,
        rules=rules,
        evaluate_every=section.evaluate_every,
        retries=section.retries,
        retry_backoff=section.retry_backoff,
        max_attempts=section.max_attempts,
        lookback=section.lookback,
        default_rules=section.rules is None,
    )


def _default_rules(
    section: AlertsSection, brands: Sequence[str], targets: Mapping[str, Target], detection: DetectionSettings
) -> tuple[Rule, ...]:
    known = rule_kinds()
    out = []
    for kind in DEFAULT_RULE_KINDS:
        k = known[kind]
        out.append(
            Rule(
                name=kind,
                kind=kind,
                brands=() if k.per_source else tuple(brands),
                targets=tuple(targets),
                repeat_interval=section.repeat_interval,
                options=k.Options(),
                path="alerts (default rules)",
                params=detection.to_params() if k.uses_detection else None,
            )
        )
    return tuple(out)


def _rule(
    r: RuleSettings,
    i: int,
    section: AlertsSection,
    brands: Sequence[str],
    sources: Mapping[str, Any],
    targets: Mapping[str, Target],
    detection: DetectionSettings,
    path: Path,
) -> Rule:
    where = f"alerts.rules[{i}]"
    kind = rule_kinds()[r.kind]
    if r.brand is not None and r.brands is not None:
        raise ConfigError(f"{path}: {where}: give brand or brands, not both")
    names = [r.brand] if r.brand is not None else r.brands
    for j, b in enumerate(names or []):
        if b not in brands:
            at = f"{where}.brand" if r.brand is not None else f"{where}.brands[{j}]"
            raise ConfigError(f"{path}: {at}: unknown brand {b!r} (configured: {', '.join(brands)})")
    if kind.per_source and names is not None:
        raise ConfigError(f"{path}: {where}: a {r.kind} rule watches sources, not brands (use sources)")
    for j, t in enumerate(r.targets or []):
        if t not in targets:
            raise ConfigError(
                f"{path}: {where}.targets[{j}]: unknown target {t!r} "
                f"(configured: {', '.join(targets) or 'none'})"
            )
    extra = dict(r.model_extra or {})
    overrides = extra.pop("detection", None) if kind.uses_detection else None
    try:
        options = kind.Options.model_validate(extra)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {first_error(exc, where)}") from None
    for j, s in enumerate(getattr(options, "sources", None) or []):
        if s not in sources:
            raise ConfigError(
                f"{path}: {where}.sources[{j}]: unknown source {s!r} "
                f"(configured: {', '.join(sources) or 'none'})"
            )
    params = None
    if kind.uses_detection:
        params = _params(detection, overrides, f"{where}.detection", path)
    return Rule(
        name=r.name,
        kind=r.kind,
        brands=() if kind.per_source else tuple(names if names is not None else brands),
        targets=tuple(r.targets if r.targets is not None else targets),
        repeat_interval=r.repeat_interval or section.repeat_interval,
        options=options,
        path=where,
        params=params,
    )


def _params(detection: DetectionSettings, overrides: Any, where: str, path: Path) -> Any:
    if overrides is None:
        return detection.to_params()
    if not isinstance(overrides, dict):
        raise ConfigError(f"{path}: {where}: expected a table of [detection] settings, got {overrides!r}")
    if "bucket" in overrides:
        # One bucket size for all rules keeps an evaluation at one query per brand.
        raise ConfigError(f"{path}: {where}.bucket: the bucket size is set once, in [detection]")
    merged = {**detection.model_dump(), **overrides}
    try:
        return type(detection).model_validate(merged).to_params()
    except ValidationError as exc:
        raise ConfigError(f"{path}: {first_error(exc, where)}") from None
