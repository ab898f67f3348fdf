"""The satisfaction index: components mapped to 0-100, a weighted mean over those present, a 95 %
interval, carry-forward of slow components, and drivers that explain the change exactly.

Pure: the application gathers one `MetricResult` per component and period from the store; this module
turns them into numbers. docs/index.md gives the formulas and a worked example to check by hand.

- Mapping to 0-100 (linear, so a component's interval maps end to end and its se scales by the slope):
  sentiment (net, -100..100 points) -> (net + 100) / 2; reviews (1-5 stars) -> (stars - 1) / 4 x 100;
  csat (%) as is; nps (-100..100) -> (nps + 100) / 2; ces "1-5" (effort, lower is better) ->
  (5 - ces) / 4 x 100, "1-7" (easy, higher is better) -> (ces - 1) / 6 x 100; retention (%) over a
  configurable range, 90-100 % by default -> 0-100 (clamped): weekly retention lives in 95-99 %, where
  the raw percentage would sit near the top of the scale and hardly move.
- Index = sum(w_i v_i) / sum(w_i) over the components present (weight > 0 and data within the
  lookback), so weights renormalize when one is missing.
- se(index) = sqrt(sum(w_i² se_i²)) / sum(w_i), the components taken as independent; 95 % interval =
  index ± 1.96 se, clipped to 0-100.
- Carry-forward: a component with no data in the period uses its latest data within its lookback;
  its se and interval are widened by sqrt(1 + age), age = periods since that data (as if the true
  value had drifted like a random walk with a per-period step as uncertain as the measurement).
- Drivers: see `drivers()`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from analysis.metrics import MetricResult, Z

COMPONENTS = ("sentiment", "reviews", "csat", "nps", "ces", "retention")

# Documented defaults (docs/index.md): the voice of the market and the company's own surveys get about
# half each; CES and retention are narrower signals. Weights need not sum to 1.
DEFAULT_WEIGHTS: dict[str, float] = {
    "sentiment": 0.25,
    "reviews": 0.15,
    "csat": 0.20,
    "nps": 0.20,
    "ces": 0.10,
    "retention": 0.10,
}
DEFAULT_RETENTION_RANGE = (90.0, 100.0)


@dataclass(frozen=True)
class LinearMap:
    """raw -> 0-100: `zero` maps to 0 and `hundred` to 100 (zero > hundred for lower-is-better),
    clamped to 0-100."""

    zero: float
    hundred: float

    @property
    def slope(self) -> float:
        return 100 / (self.hundred - self.zero)

    def __call__(self, raw: float) -> float:
        return min(100.0, max(0.0, (raw - self.zero) * self.slope))


def mappings(
    ces_scale: str = "1-5", retention_range: tuple[float, float] = DEFAULT_RETENTION_RANGE
) -> dict[str, LinearMap]:
    """The raw-to-0-100 map of every component."""
    ces = LinearMap(5, 1) if ces_scale == "1-5" else LinearMap(1, 7)
    return {
        "sentiment": LinearMap(-100, 100),
        "reviews": LinearMap(1, 5),
        "csat": LinearMap(0, 100),
        "nps": LinearMap(-100, 100),
        "ces": ces,
        "retention": LinearMap(*retention_range),
    }


def widening(age: int) -> float:
    """How much a carried-forward component's se and interval grow: sqrt(1 + age)."""
    return math.sqrt(1 + age)


@dataclass(frozen=True)
class Observation:
    """A component's data for an index period: a metric measured `age` periods earlier (0 = this one)."""

    metric: MetricResult
    age: int = 0
    data_period_start: date | None = None


def latest_within(history: Sequence[MetricResult | None], max_age: int, min_n: int = 1) -> Observation | None:
    """Carry-forward: history[k] is the metric of the period k periods back (history[0] = this
    period); the newest one with at least `min_n` observations and k <= max_age, else None (the
    component is left out)."""
    for age, metric in enumerate(history[: max_age + 1]):
        if metric is not None and metric.value is not None and metric.n >= max(1, min_n):
            return Observation(metric, age)
    return None


@dataclass(frozen=True)
class Component:
    name: str
    raw: float  # in the metric's own unit
    raw_low: float
    raw_high: float
    unit: str
    n: int
    value: float  # mapped to 0-100
    low: float
    high: float
    se: float  # of `value`, widened when carried forward
    weight: float  # configured
    share: float  # weight / sum of the weights present: the part of the index this component is
    carried_forward: bool
    age: int
    data_period_start: date | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "raw_low": self.raw_low,
            "raw_high": self.raw_high,
            "unit": self.unit,
            "value": self.value,
            "n": self.n,
            "low": self.low,
            "high": self.high,
            "se": self.se,
            "weight": self.share,
            "configured_weight": self.weight,
            "carried_forward": self.carried_forward,
            "age": self.age,
            "data_period_start": self.data_period_start.isoformat() if self.data_period_start else None,
        }


@dataclass(frozen=True)
class IndexResult:
    value: float | None  # None: no component has data ("no data")
    low: float | None
    high: float | None
    se: float | None
    components: dict[str, Component]
    missing: tuple[str, ...]  # components with a weight but no data in their lookback


def _component(name: str, obs: Observation, weight: float, share: float, mapping: LinearMap) -> Component:
    m = obs.metric
    assert m.value is not None and m.low is not None and m.high is not None
    grow = widening(obs.age)
    raw_se = m.se if m.se is not None else (m.high - m.low) / (2 * Z)
    # The interval grows about the value by the same factor as the se (asymmetric Wilson ends stay so).
    raw_low = m.value - (m.value - m.low) * grow
    raw_high = m.value + (m.high - m.value) * grow
    ends = sorted((mapping(raw_low), mapping(raw_high)))
    return Component(
        name=name,
        raw=m.value,
        raw_low=raw_low,
        raw_high=raw_high,
        unit=m.unit,
        n=m.n,
        value=mapping(m.value),
        low=ends[0],
        high=ends[1],
        se=raw_se * abs(mapping.slope) * grow,
        weight=weight,
        share=share,
        carried_forward=obs.age > 0,
        age=obs.age,
        data_period_start=obs.data_period_start,
    )


def compute_index(
    observations: Mapping[str, Observation | None],
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    maps: Mapping[str, LinearMap] | None = None,
) -> IndexResult:
    """The index of one period from each component's observation (None or absent: no data)."""
    maps = maps or mappings()
    present = {
        name: obs
        for name in COMPONENTS
        if weights.get(name, 0) > 0 and (obs := observations.get(name)) is not None and obs.metric.n > 0
    }
    missing = tuple(n for n in COMPONENTS if weights.get(n, 0) > 0 and n not in present)
    total = math.fsum(weights[n] for n in present)
    components = {
        name: _component(name, obs, weights[name], weights[name] / total, maps[name])
        for name, obs in present.items()
    }
    if not components:
        return IndexResult(None, None, None, None, {}, missing)
    value = math.fsum(c.share * c.value for c in components.values())
    se = math.sqrt(math.fsum((c.share * c.se) ** 2 for c in components.values()))
    return IndexResult(value, max(0.0, value - Z * se), min(100.0, value + Z * se), se, components, missing)


@dataclass(frozen=True)
class Driver:
    component: str
    contribution: float  # points of index change this component accounts for
    previous: float | None  # the component's 0-100 value in the previous period (None: absent)
    current: float | None
    status: str  # "moved" (present both times), "entered", "left"
    own: float  # the part due to the component itself: its value moving, or it entering or leaving
    reweighting: float  # the part due to its share changing because another component entered or left

    def as_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "contribution": self.contribution,
            "previous": self.previous,
            "current": self.current,
            "status": self.status,
            "own": self.own,
            "reweighting": self.reweighting,
        }


def drivers(previous: IndexResult | None, current: IndexResult) -> list[Driver]:
    """Each component's contribution to current.value - previous.value; they sum to that change.

    With shares s_i = w_i / W (W = sum of the weights present) and P = the previous index,

        I_c - P = sum_{i in C} s_i^c (v_i^c - P) - sum_{i in Prev} s_i^p (v_i^p - P)

    because both share vectors sum to 1. So a component present both times contributes
    s^c (v^c - v^p) [own: its value moved] + (s^c - s^p)(v^p - P) [reweighting: its share changed
    because another component entered or left], one that entered contributes s^c (v^c - P), and one
    that left -s^p (v^p - P). With the same components both times the reweighting parts are zero and
    each contribution is simply s_i (v_i^c - v_i^p). Ordered by size, largest first.
    """
    if previous is None or previous.value is None or current.value is None:
        return []
    p_index = previous.value
    out: list[Driver] = []
    for name in COMPONENTS:
        cur = current.components.get(name)
        prev = previous.components.get(name)
        if cur is not None and prev is not None:
            own = cur.share * (cur.value - prev.value)
            reweight = (cur.share - prev.share) * (prev.value - p_index)
            out.append(Driver(name, own + reweight, prev.value, cur.value, "moved", own, reweight))
        elif cur is not None:
            c = cur.share * (cur.value - p_index)
            out.append(Driver(name, c, None, cur.value, "entered", c, 0.0))
        elif prev is not None:
            c = -prev.share * (prev.value - p_index)
            out.append(Driver(name, c, prev.value, None, "left", c, 0.0))
    out.sort(key=lambda d: -abs(d.contribution))
    return out


# -- stored snapshots, as the index rules read them ------------------------------------------------


@dataclass(frozen=True)
class IndexSnapshot:
    """One stored index value (a row of index_snapshots), enough for the alert rules."""

    brand: str
    period: str
    period_start: date
    value: float | None
    low: float | None
    high: float | None
    se: float | None


def snapshot_from_row(row: Mapping[str, Any]) -> IndexSnapshot:
    """From an index_snapshots row: se is recomputed from the stored components (share x se)."""
    comps = row.get("components") or {}
    parts = [(c.get("weight") or 0.0) * (c.get("se") or 0.0) for c in comps.values() if isinstance(c, dict)]
    se = math.sqrt(math.fsum(p * p for p in parts)) if parts and row.get("value") is not None else None
    start = row["period_start"]
    return IndexSnapshot(
        brand=row["brand"],
        period=row["period"],
        period_start=start if isinstance(start, date) else date.fromisoformat(str(start)),
        value=row.get("value"),
        low=row.get("low"),
        high=row.get("high"),
        se=se,
    )
