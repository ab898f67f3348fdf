"""Alert rule kinds as settings.toml sees them: the registry of kinds (name, family, the options a
`[[alerts.rules]]` table of that kind may carry, whether it is judged per source and takes
`[detection]` parameters), the Rule a validated table becomes, and an alert's identity (Labels).

The evaluators live in monitor/alerting/ (`@register` on a RuleKind subclass, rules.py); a kind
declared only there is added here when it is registered. Built-in kinds are declared below, so
validating settings.toml loads no evaluator (and none of pandas, the detector or SQLAlchemy).

An alert's identity: the same rule on the same brand (or source) is the same alert. The fingerprint
is a hash of the labels only, never of values or times, so it is stable across restarts and
processes, and an episode found firing after a restart is recognised as the one that was firing
before it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from analysis.metrics import Z
from monitor.config.fields import Duration, StrictModel

if TYPE_CHECKING:
    from analysis.spikes.params import SpikeParams

# What an alert is computed from decides what mutes it (monitor/alerting/rules.py).
Family = Literal["sentiment", "mention", "health", "index"]


class NoOptions(StrictModel):
    pass


# -- options of the built-in kinds ------------------------------------------------------------


class ConnectorDownOptions(StrictModel):
    sources: list[str] | None = None  # default: every enabled source
    failures: int = Field(3, ge=1, le=1000)
    no_success_for: Duration | None = None


class MentionOptions(StrictModel):
    batch_interval: Duration = timedelta(minutes=15)  # at most one message per rule, brand and interval
    max_age: Duration = timedelta(hours=24)  # older mentions seen for the first time are history
    max_items: int = Field(10, ge=1, le=50)  # mentions listed in one message (the rest are counted)


class LowRatingOptions(MentionOptions):
    max_stars: int = Field(2, ge=1, le=4)


class HighReachOptions(MentionOptions):
    min_reach: int = Field(10_000, ge=1)


class IndexBelowOptions(StrictModel):
    below: float = Field(ge=0, le=100)
    period: Literal["week", "month"] | None = None  # default: [index] period
    require_interval: bool = False  # fire only when the whole 95 % interval is below


class IndexDropOptions(StrictModel):
    z: float = Field(Z, gt=0, le=10)  # the drop must exceed z standard errors of the difference
    min_drop: float = Field(0.0, ge=0, le=100)  # and at least this many points
    period: Literal["week", "month"] | None = None


# -- the registry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleKindSpec:
    """What settings.toml needs to know of a rule kind."""

    kind: str
    family: Family
    Options: type[BaseModel] = NoOptions
    per_source: bool = False  # judged per source (connector_down), not per brand
    uses_detection: bool = False  # takes [detection] parameters (with per-rule overrides)


_KINDS: dict[str, RuleKindSpec] = {
    spec.kind: spec
    for spec in (
        RuleKindSpec("negative_spike", "sentiment", uses_detection=True),
        RuleKindSpec("negative_share", "sentiment", uses_detection=True),
        RuleKindSpec("volume_spike", "sentiment", uses_detection=True),
        RuleKindSpec("low_rating_review", "mention", LowRatingOptions),
        RuleKindSpec("negative_high_reach", "mention", HighReachOptions),
        RuleKindSpec("connector_down", "health", ConnectorDownOptions, per_source=True),
        RuleKindSpec("index_below", "index", IndexBelowOptions),
        RuleKindSpec("index_drop", "index", IndexDropOptions),
    )
}


def rule_kinds() -> dict[str, RuleKindSpec]:
    """Every declared rule kind, by name."""
    return _KINDS


def declare_kind(spec: RuleKindSpec) -> None:
    """Make a kind known to settings.toml (monitor.alerting.rules.register does this for a kind
    that is not declared above)."""
    _KINDS[spec.kind] = spec


@dataclass(frozen=True)
class Rule:
    """A configured rule after validation (monitor/config/alerts.py builds these)."""

    name: str
    kind: str
    brands: tuple[str, ...]  # the brands it judges (empty for per-source kinds)
    targets: tuple[str, ...]  # target names it notifies
    repeat_interval: timedelta
    options: BaseModel  # the kind's Options, validated
    path: str  # where it was configured, for messages ("alerts.rules[2]", "default rules")
    params: SpikeParams | None = None  # spike kinds: [detection] with this rule's overrides

    def labels(self, *, brand: str | None = None, source: str | None = None) -> Labels:
        return Labels(self.name, self.kind, brand, source)


# -- identity -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Labels:
    """What an alert is about: the rule (name and kind) and the brand or source it watches."""

    rule: str
    kind: str
    brand: str | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"rule": self.rule, "kind": self.kind, "brand": self.brand, "source": self.source}

    @property
    def fingerprint(self) -> str:
        return fingerprint(self)

    def describe(self) -> str:
        """Short human name, e.g. `negative_spike acme` or `connector_down reddit-main`."""
        subject = " ".join(x for x in (self.brand, self.source) if x)
        return f"{self.rule} {subject}".strip()


def fingerprint(labels: Labels) -> str:
    """sha256 of the canonical JSON of the labels (64 hex characters, the column's width)."""
    canonical = json.dumps(labels.as_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
