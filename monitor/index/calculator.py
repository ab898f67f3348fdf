"""The satisfaction index from the store: gather each component per brand and period, compute it
(analysis.satisfaction), and keep snapshots in index_snapshots (one per brand, period kind and period
start; a recompute replaces it). The daemon's jobs that call this are in jobs.py; the `monitor index`
command's output is in monitor/cli/index.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from analysis.metrics import (
    MetricResult,
    ces,
    compound_rate,
    csat,
    net_sentiment,
    nps,
    retention,
    review_stars,
)
from analysis.satisfaction import (
    COMPONENTS,
    Driver,
    IndexResult,
    IndexSnapshot,
    Observation,
    compute_index,
    drivers,
    latest_within,
    mappings,
    snapshot_from_row,
)
from monitor.config import Settings
from monitor.index.periods import Period, last_complete, max_age
from monitor.index.queries import (
    customer_periods,
    label_counts,
    rating_histogram,
    score_histogram,
    snapshots,
    upsert_snapshot,
)
from monitor.index.surveys import scale_of
from monitor.storage.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodIndex:
    """The index of one brand and period, with the previous period's for the drivers."""

    brand: str
    period: Period
    result: IndexResult
    previous: IndexResult | None
    drivers: list[Driver] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        if self.previous is None or self.previous.value is None or self.result.value is None:
            return None
        return self.result.value - self.previous.value


def chain_customers(rows: list[Any]) -> tuple[int, int, int] | None:
    """(S, E, N) of consecutive customer periods taken as one: S of the first, E of the last, N summed
    (weekly counts under a monthly index). None without rows."""
    if not rows:
        return None
    return rows[0]["customers_start"], rows[-1]["customers_end"], sum(r["customers_new"] for r in rows)


class IndexCalculator:
    """Computes one brand's index per period, reading each (component, period) from the store once."""

    def __init__(self, settings: Settings, store: Store, brand: str, kind: str | None = None) -> None:
        settings.brand(brand)
        self.settings, self.store, self.brand = settings, store, brand
        self.kind = kind or settings.index.period
        self.tz: ZoneInfo = settings.timezone
        self.weights = settings.index.weights.model_dump()
        self.maps = mappings(settings.surveys.ces_scale, settings.index.retention_range)
        self.lookback = settings.index.lookback.model_dump()
        self.min_n = settings.index.min_n
        self._metrics: dict[tuple[str, Period], MetricResult] = {}
        self._results: dict[Period, IndexResult] = {}

    def metric(self, component: str, period: Period) -> MetricResult:
        key = (component, period)
        if key not in self._metrics:
            self._metrics[key] = self._measure(component, period)
        return self._metrics[key]

    def _measure(self, component: str, period: Period) -> MetricResult:
        start, end = period.bounds(self.tz)
        s, b = self.store, self.brand
        if component == "sentiment":
            counts = label_counts(s, b, start, end)
            return net_sentiment(
                counts.get("positive", 0), counts.get("neutral", 0), counts.get("negative", 0)
            )
        if component == "reviews":
            return review_stars(rating_histogram(s, b, start, end))
        if component == "csat":
            return csat(score_histogram(s, b, "csat", start, end))
        if component == "nps":
            return nps(score_histogram(s, b, "nps", start, end))
        if component == "ces":
            # Only answers given on the configured scale: a mean over two scales means nothing.
            scale = self.settings.surveys.ces_scale
            return ces(score_histogram(s, b, "ces", start, end, scale_of("ces", scale)[2]), scale)
        if component == "retention":
            rows = customer_periods(s, b, period.start, period.end)
            chained = chain_customers(rows)
            if chained is None:
                return retention(0, 0, 0)
            # Per week, whatever span the counts cover, so the 0-100 range means the same for a
            # weekly and a monthly index and for weekly or monthly customer counts.
            days = (rows[-1]["period_end"] - rows[0]["period_start"]).days
            return compound_rate(retention(*chained), 7 / days, "% per week")
        raise ValueError(f"unknown component {component!r}")

    def observation(self, component: str, period: Period) -> Observation | None:
        """The component's newest data within its lookback (carry-forward: analysis.satisfaction
        .latest_within), or None. A period with fewer than `[index] min_n` observations is no data."""
        periods = [period]
        for _ in range(max_age(period, self.lookback[component])):
            periods.append(periods[-1].previous())
        found = latest_within([self.metric(component, p) for p in periods], len(periods) - 1, self.min_n)
        return None if found is None else replace(found, data_period_start=periods[found.age].start)

    def index(self, period: Period) -> IndexResult:
        if period not in self._results:
            obs = {c: self.observation(c, period) for c in COMPONENTS if self.weights[c] > 0}
            self._results[period] = compute_index(obs, self.weights, self.maps)
        return self._results[period]

    def at(self, period: Period) -> PeriodIndex:
        cur, prev = self.index(period), self.index(period.previous())
        return PeriodIndex(self.brand, period, cur, prev, drivers(prev, cur))

    def series(self, last: Period, count: int) -> list[PeriodIndex]:
        """`count` periods ending with `last`, oldest first."""
        periods = [last]
        while len(periods) < count:
            periods.append(periods[-1].previous())
        return [self.at(p) for p in reversed(periods)]


# -- snapshots ------------------------------------------------------------------------------------


def store_snapshot(store: Store, item: PeriodIndex, now: datetime) -> None:
    r = item.result
    upsert_snapshot(
        store,
        {
            "brand": item.brand,
            "period": item.period.kind,
            "period_start": item.period.start,
            "value": r.value,
            "low": r.low,
            "high": r.high,
            "components": {name: c.as_dict() for name, c in r.components.items()},
            "drivers": [d.as_dict() for d in item.drivers],
            "computed_at": now,
        },
    )


def load_snapshots(store: Store, brand: str, period: str, *, limit: int = 2) -> list[IndexSnapshot]:
    """The newest stored snapshots of a brand, newest first (what the index alert rules judge)."""
    return [snapshot_from_row(dict(row)) for row in snapshots(store, brand, period, limit=limit)]


def recompute(
    settings: Settings, store: Store, now: datetime, *, kind: str | None = None, count: int | None = None
) -> dict[str, list[PeriodIndex]]:
    """Recompute and store the last `count` complete periods of every brand."""
    kind = kind or settings.index.period
    last = last_complete(kind, now, settings.timezone)
    out: dict[str, list[PeriodIndex]] = {}
    for brand in settings.brands:
        items = IndexCalculator(settings, store, brand, kind).series(
            last, count or settings.index.trend_periods
        )
        for item in items:
            store_snapshot(store, item, now)
        out[brand] = items
    return out
