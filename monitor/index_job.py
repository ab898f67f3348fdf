"""The satisfaction index from the store: gather each component per brand and period, compute
(analysis.satisfaction), and keep snapshots in index_snapshots (one per brand, period kind and period
start; a recompute replaces it).

The daemon calls `refresh()` once after its first poll cycle and then daily: it imports the survey and
customer files named in settings.toml (idempotent), then recomputes the last `index.trend_periods`
complete periods of every brand, so late survey data corrects the recent history.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.text import Text

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
from connectors.errors import MonitorError
from monitor.clock import Clock, SystemClock
from monitor.config import Settings
from monitor.customers import import_customers, import_settings_periods
from monitor.index_periods import Period, last_complete, max_age, period_at
from monitor.index_queries import (
    customer_periods,
    label_counts,
    rating_histogram,
    score_histogram,
    snapshots,
    upsert_snapshot,
)
from monitor.storage.store import Store
from monitor.surveys import import_surveys, scale_of

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


# -- JSON, snapshots -------------------------------------------------------------------------------


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def index_json(items: list[PeriodIndex], kind: str, complete: bool) -> dict[str, Any]:
    """The `monitor index --format json` object of one brand (DESIGN.md's shape plus added keys);
    `items` is the trend, oldest first, ending with the period shown."""
    cur = items[-1]
    r = cur.result
    prev = cur.previous
    return {
        "brand": cur.brand,
        "period": kind,
        "period_start": cur.period.start.isoformat(),
        "period_end": cur.period.end.isoformat(),
        "label": cur.period.label,
        "complete": complete,
        "value": _num(r.value),
        "low": _num(r.low),
        "high": _num(r.high),
        "se": _num(r.se),
        "components": {name: c.as_dict() for name, c in r.components.items()},
        "missing": list(r.missing),
        "previous": None
        if prev is None
        else {
            "period_start": cur.period.previous().start.isoformat(),
            "label": cur.period.previous().label,
            "value": _num(prev.value),
        },
        "change": _num(cur.change),
        "drivers": [d.as_dict() for d in cur.drivers],
        "trend": [
            {
                "period_start": it.period.start.isoformat(),
                "label": it.period.label,
                "value": _num(it.result.value),
                "low": _num(it.result.low),
                "high": _num(it.result.high),
                "change": _num(it.change),
            }
            for it in items
        ],
    }


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
    return [snapshot_from_row(row) for row in snapshots(store, brand, period, limit=limit)]


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


def import_configured(settings: Settings, store: Store, clock: Clock) -> list[str]:
    """Import the survey and customer files (and inline periods) settings.toml names; idempotent, so
    the daemon simply does it at start and daily. A missing or broken file is logged, not fatal."""
    lines: list[str] = []
    jobs: list[tuple[str, Callable[[], Any]]] = [
        (
            f"surveys {f.metric} {f.path.name} ({f.brand})",
            lambda f=f: import_surveys(
                f.path, settings, store, metric=f.metric, brand=f.brand, columns=f.columns, clock=clock
            ),
        )
        for f in settings.surveys.files
    ]
    jobs += [
        (
            f"customers {f.path.name} ({f.brand})",
            lambda f=f: import_customers(f.path, settings, store, brand=f.brand, clock=clock),
        )
        for f in settings.customers.files
    ]
    if settings.customers.periods:
        jobs.append(("customers from settings.toml", lambda: import_settings_periods(settings, store, clock)))
    for name, job in jobs:
        try:
            lines.append(f"{name}: {job().line()}")
        except MonitorError as exc:
            log.error("%s: %s", name, exc)
            lines.append(f"{name}: FAILED: {exc}")
    return lines


def refresh(settings: Settings, store: Store, clock: Clock | None = None) -> dict[str, list[PeriodIndex]]:
    """The daemon's index job: import configured files, then recompute and store recent periods."""
    clock = clock or SystemClock()
    for line in import_configured(settings, store, clock):
        log.info("%s", line)
    return recompute(settings, store, clock.now())


def summary_lines(results: dict[str, list[PeriodIndex]]) -> list[str]:
    """One line per brand for the daemon's first-cycle summary."""
    lines = []
    for brand, items in results.items():
        if not items:
            continue
        cur = items[-1]
        r = cur.result
        if r.value is None or r.low is None or r.high is None:
            lines.append(f"  index {brand} {cur.period.label}: no data")
            continue
        change = f", {cur.change:+.1f} since {cur.period.previous().label}" if cur.change is not None else ""
        lines.append(
            f"  index {brand} {cur.period.label}: {r.value:.1f} (95% {r.low:.1f}-{r.high:.1f}; "
            f"{', '.join(r.components)}){change}"
        )
    return lines


def first_cycle_index(settings: Settings, store: Store, clock: Clock, console: Console) -> None:
    """After the daemon's first poll cycle: import the configured survey files, store the index and
    print it, so a fresh `make run` shows one. Never stops the daemon."""
    try:
        results = refresh(settings, store, clock)
    except Exception:  # the index is a report; a failure here must not keep polling from starting
        log.exception("satisfaction index: first computation failed")
        return
    console.print(Text("satisfaction index (last complete period):"))
    for line in summary_lines(results):
        console.print(Text(line))


def daily_job(settings: Settings, store: Store, clock: Clock) -> None:
    try:
        results = refresh(settings, store, clock)
    except Exception:  # log, and try again tomorrow
        log.exception("satisfaction index: daily recompute failed")
        return
    for line in summary_lines(results):
        log.info("%s", line.strip())


def parse_at(value: str, tz: ZoneInfo) -> datetime:
    """--at DATE (or an ISO time) as an aware moment; a plain date means that local day."""
    from datetime import date as _date

    try:
        if len(value.strip()) == 10:
            return datetime.combine(_date.fromisoformat(value.strip()), time(12), tz)
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"--at: not a date like 2026-11-15: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def chosen_period(kind: str, now: datetime, tz: ZoneInfo, at: datetime | None) -> tuple[Period, bool]:
    """The period to show and whether it has ended: the one containing --at, else the last complete."""
    period = period_at(kind, at, tz) if at is not None else last_complete(kind, now, tz)
    return period, period.bounds(tz)[1] <= now


def add_daily_job(scheduler: Any, settings: Settings, store: Store, clock: Clock) -> None:
    """The daemon's daily recompute, at `[index] daily_at` local time (APScheduler cron trigger)."""
    from apscheduler.triggers.cron import CronTrigger

    hour, minute = (int(x) for x in settings.index.daily_at.split(":"))
    scheduler.add_job(
        daily_job,
        CronTrigger(hour=hour, minute=minute, timezone=settings.timezone),
        args=(settings, store, clock),
        id="index:daily",
        name="satisfaction index snapshot",
        misfire_grace_time=6 * 3600,  # a machine that slept through the hour still recomputes
        coalesce=True,
        max_instances=1,
    )
