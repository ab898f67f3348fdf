"""index_below and index_drop: satisfaction-index alerts through the same engine as the spike rules.

Both judge the stored snapshot of the last complete period (the daemon recomputes snapshots daily,
monitor/index/calculator.py); the conditions themselves are pure functions in analysis/index_rules.py.
When that period has no snapshot yet, nothing new can be judged and an alert keeps its state: a
survey export that lapses does not resolve (or raise) anything by itself. `index_drop` compares only
adjacent periods, and fires only when the drop is larger than the two estimates' uncertainty.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from analysis.index_rules import IndexCondition, index_below, index_drop
from analysis.satisfaction import IndexSnapshot
from monitor.alerting.rules import EvalContext, Rule, RuleKind, StateCondition, register
from monitor.index.calculator import load_snapshots
from monitor.index.periods import Period, last_complete


def _details(cond: IndexCondition | None, current: IndexSnapshot, period: Period, ctx: EvalContext) -> dict:
    start, end = period.bounds(ctx.settings.timezone)
    details: dict[str, Any] = {
        "metric": "satisfaction index",
        "period": period.label,
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "observed": current.value,
        "low": current.low,
        "high": current.high,
    }
    if cond is not None:
        details.update(
            expected=cond.expected,
            statistic=f"{cond.statistic:.1f} standard errors" if cond.statistic != float("inf") else None,
            score=cond.statistic if cond.statistic != float("inf") else None,
            message=cond.message,
        )
    return details


class _IndexRule(RuleKind):
    def _current(self, rule: Rule, ctx: EvalContext, brand: str) -> tuple[Period, list[IndexSnapshot]]:
        kind = rule.options.period or ctx.settings.index.period  # type: ignore[attr-defined]  # options of an index kind
        period = last_complete(kind, ctx.now, ctx.settings.timezone)
        snaps = load_snapshots(ctx.store, brand, kind, limit=2)
        return period, snaps


@register
class IndexBelow(_IndexRule):
    kind = "index_below"

    def evaluate(self, rule: Rule, ctx: EvalContext) -> Iterator[StateCondition]:
        opts: Any = rule.options
        for brand in ctx.brands_of(rule):
            period, snaps = self._current(rule, ctx, brand)
            labels = rule.labels(brand=brand)
            if not snaps or snaps[0].period_start != period.start or snaps[0].value is None:
                yield StateCondition(labels, None, ctx.now, ctx.now)
                continue
            cond = index_below(snaps[0], opts.below, require_interval=opts.require_interval)
            details = _details(cond, snaps[0], period, ctx)
            details.setdefault("expected", opts.below)
            yield StateCondition(labels, cond is not None, ctx.now, ctx.now, details)


@register
class IndexDrop(_IndexRule):
    kind = "index_drop"

    def evaluate(self, rule: Rule, ctx: EvalContext) -> Iterator[StateCondition]:
        opts: Any = rule.options
        for brand in ctx.brands_of(rule):
            period, snaps = self._current(rule, ctx, brand)
            labels = rule.labels(brand=brand)
            if len(snaps) < 2 or snaps[0].period_start != period.start or snaps[0].value is None:
                yield StateCondition(labels, None, ctx.now, ctx.now)
                continue
            current, previous = snaps
            if previous.period_start != period.previous().start or previous.value is None:
                # Not adjacent (a period without data in between): there is no "since last period".
                yield StateCondition(labels, False, ctx.now, ctx.now, _details(None, current, period, ctx))
                continue
            cond = index_drop(previous, current, z=opts.z, min_drop=opts.min_drop)
            details = _details(cond, current, period, ctx)
            details.setdefault("expected", previous.value)
            details["previous_period"] = period.previous().label
            yield StateCondition(labels, cond is not None, ctx.now, ctx.now, details)
