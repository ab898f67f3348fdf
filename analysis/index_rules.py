"""The two index alert conditions, as pure functions of stored index snapshots.

The alerting engine (monitor) decides when to evaluate them, keeps their firing/resolved state and
notifies; these functions only say whether the condition holds, with the numbers a notification shows:
`observed` (the index now), `expected` (the threshold, or the previous period's index) and `statistic`
(how far past the line, in standard errors).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from analysis.metrics import Z
from analysis.satisfaction import IndexSnapshot


@dataclass(frozen=True)
class IndexCondition:
    rule: str  # "index_below" or "index_drop"
    brand: str
    period: str
    period_start: date
    observed: float  # the index of the period judged
    expected: float  # the threshold (index_below) or the previous period's index (index_drop)
    statistic: float  # index_below: (threshold - index) / se; index_drop: drop / se of the difference
    message: str


def index_below(
    snapshot: IndexSnapshot, threshold: float, *, require_interval: bool = False
) -> IndexCondition | None:
    """The index is below `threshold` (with `require_interval`, its whole 95 % interval is)."""
    if snapshot.value is None:
        return None  # no data is not a low index
    if not snapshot.value < threshold:
        return None
    if require_interval and not (snapshot.high is not None and snapshot.high < threshold):
        return None
    se = snapshot.se or 0.0
    statistic = (threshold - snapshot.value) / se if se > 0 else math.inf
    return IndexCondition(
        rule="index_below",
        brand=snapshot.brand,
        period=snapshot.period,
        period_start=snapshot.period_start,
        observed=snapshot.value,
        expected=threshold,
        statistic=statistic,
        message=(
            f"{snapshot.brand}: satisfaction index {snapshot.value:.1f} for the {snapshot.period} of "
            f"{snapshot.period_start.isoformat()} is below {threshold:g}"
        ),
    )


def index_drop(
    previous: IndexSnapshot, current: IndexSnapshot, *, z: float = Z, min_drop: float = 0.0
) -> IndexCondition | None:
    """The index fell since the previous period by more than its uncertainty:
    previous - current > z x sqrt(se_prev² + se_cur²) (and by at least `min_drop` points).

    A drop inside the noise of two independent estimates is not news; with z = 1.96 a drop this
    large happens by chance about once in 40 periods when nothing changed.
    """
    if previous.value is None or current.value is None:
        return None
    if previous.brand != current.brand or previous.period != current.period:
        raise ValueError("index_drop compares two periods of the same brand and period kind")
    if not previous.period_start < current.period_start:
        raise ValueError("index_drop: `previous` must be the earlier period")
    drop = previous.value - current.value
    se = math.sqrt((previous.se or 0.0) ** 2 + (current.se or 0.0) ** 2)
    if drop <= max(z * se, min_drop) or drop <= 0:
        return None
    statistic = drop / se if se > 0 else math.inf
    return IndexCondition(
        rule="index_drop",
        brand=current.brand,
        period=current.period,
        period_start=current.period_start,
        observed=current.value,
        expected=previous.value,
        statistic=statistic,
        message=(
            f"{current.brand}: satisfaction index fell {drop:.1f} points to {current.value:.1f} "
            f"({current.period} of {current.period_start.isoformat()}; {statistic:.1f} standard errors, "
            f"more than the {z:g} its uncertainty allows)"
        ),
    )
