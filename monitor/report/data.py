"""Everything one weekly report shows, read from the store for one ISO week in the configured zone.

The tables of the alerting and index parts are read directly with SQL, so the
report depends only on their stored shape (monitor/storage/schema.py), not on their code. Business
metrics (CSAT, NPS, ...) come from `monitor.index.business` when that module is installed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa

from analysis.summary import WeekSummary, summarize_week
from connectors.errors import MonitorError
from monitor.config import Settings
from monitor.report.week import IsoWeek
from monitor.storage import schema
from monitor.storage.store import Store

log = logging.getLogger(__name__)

TREND_WEEKS = 12
NO_SURVEY_DATA = "no survey data"

# The mention columns the report and its CSV use (not `raw`: the audit payload can be large).
_COLUMNS = (
    "id",
    "native_id",
    "source",
    "source_name",
    "brand",
    "created_at",
    "text",
    "title",
    "url",
    "author",
    "lang",
    "rating",
    "engagement",
    "reach",
    "compound",
    "pos",
    "neu",
    "neg",
    "label",
    "scored",
    "extra",
)


@dataclass
class BrandExtras:
    """What the report shows beside the mention aggregates, for one brand."""

    index: dict[str, Any] | None = None  # the week's snapshot
    index_trend: list[dict[str, Any]] = field(default_factory=list)  # TREND_WEEKS weeks, oldest first
    business: dict[str, Any] = field(default_factory=lambda: {"available": False, "note": NO_SURVEY_DATA})
    alerts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ReportData:
    week: IsoWeek
    timezone: ZoneInfo
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    generated_at: datetime
    brands: list[str]  # every configured brand: share of voice is among them
    sections: list[str]  # brands with their own section
    display_names: dict[str, str]
    summary: WeekSummary
    extras: dict[str, BrandExtras]
    mentions: list[sa.RowMapping]  # the week's mentions of the section brands, by time (the CSV)

    @property
    def complete(self) -> bool:
        """False when the week has not ended yet at generation time (a partial report)."""
        return self.generated_at >= self.end

    @property
    def empty(self) -> bool:
        return not self.mentions


def section_brands(settings: Settings, brand: str | None) -> list[str]:
    """--brand, else `[report] brands`, else every configured brand."""
    if brand is not None:
        settings.brand(brand)  # ConfigError naming the configured ones
        return [brand]
    return list(settings.report.brands) or list(settings.brands)


def gather(
    settings: Settings, store: Store, week: IsoWeek, *, now: datetime, brand: str | None = None
) -> ReportData:
    """Read the week (and the week before, for the change) and aggregate it."""
    tz = settings.timezone
    start, end = week.start(tz), week.end(tz)
    brands = list(settings.brands)
    sections = section_brands(settings, brand)
    current = _mentions(store, brands, start, end)
    previous = _previous_brands(store, brands, week.previous().start(tz), start)
    frame = pd.DataFrame.from_records([dict(r) for r in current], columns=list(_COLUMNS))
    summary = summarize_week(
        frame,
        pd.DataFrame({"brand": previous}),
        brands=brands,
        days=week.days,
        tz=tz,
        top_n=settings.report.top_n,
        n_terms=settings.report.terms,
        exclude_terms={b: _brand_words(settings, b) for b in brands},
    )
    extras = {}
    for b in sections:
        index, trend = _index(store, b, week)
        extras[b] = BrandExtras(
            index=index,
            index_trend=trend,
            business=_business(settings, store, b, start, end),
            alerts=_alerts(store, b, start, end),
        )
    return ReportData(
        week=week,
        timezone=tz,
        start=start,
        end=end,
        generated_at=now,
        brands=brands,
        sections=sections,
        display_names={b: settings.brands[b].display_name for b in brands},
        summary=summary,
        extras=extras,
        mentions=[r for r in current if r["brand"] in sections],
    )


def _brand_words(settings: Settings, brand: str) -> list[str]:
    """The brand's own names: its id, display name and query keywords (they top every term list)."""
    b = settings.brands[brand]
    words = [brand, *b.display_name.split()]
    for term in b.query.terms():
        words.extend(term.split())
    return words


def _mentions(store: Store, brands: Sequence[str], start: datetime, end: datetime) -> list[sa.RowMapping]:
    m = schema.mentions
    q = (
        sa.select(*(m.c[c] for c in _COLUMNS))
        .where(m.c.created_at >= start, m.c.created_at < end, m.c.brand.in_(list(brands)))
        .order_by(m.c.created_at, m.c.id)
    )
    with store.atomic(write=False) as conn:
        return list(conn.execute(q).mappings())


def _previous_brands(store: Store, brands: Sequence[str], start: datetime, end: datetime) -> list[str]:
    """One entry per mention of the previous week (only the brand is needed, for the change)."""
    m = schema.mentions
    q = (
        sa.select(m.c.brand, sa.func.count())
        .where(m.c.created_at >= start, m.c.created_at < end, m.c.brand.in_(list(brands)))
        .group_by(m.c.brand)
    )
    with store.atomic(write=False) as conn:
        return [b for b, n in conn.execute(q) for _ in range(n)]


def _index(store: Store, brand: str, week: IsoWeek) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The week's index snapshot (stored for weeks by their local Monday) and the trend."""
    s = schema.index_snapshots
    first = week.previous(TREND_WEEKS - 1).monday
    q = sa.select(s).where(
        s.c.brand == brand, s.c.period == "week", s.c.period_start >= first, s.c.period_start <= week.monday
    )
    with store.atomic(write=False) as conn:
        rows = {_as_date(r["period_start"]): r for r in conn.execute(q).mappings()}
    trend = []
    for i in range(TREND_WEEKS - 1, -1, -1):
        w = week.previous(i)
        r = rows.get(w.monday)
        trend.append(
            {
                "week": str(w),
                "period_start": w.monday.isoformat(),
                "value": _num(r["value"]) if r else None,
                "low": _num(r["low"]) if r else None,
                "high": _num(r["high"]) if r else None,
            }
        )
    row = rows.get(week.monday)
    if row is None:
        return None, trend
    index = {
        "period_start": week.monday.isoformat(),
        "value": _num(row["value"]),
        "low": _num(row["low"]),
        "high": _num(row["high"]),
        "components": row["components"] or {},
        "drivers": row["drivers"] or [],
        "computed_at": row["computed_at"],
    }
    return index, trend


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _business(settings: Settings, store: Store, brand: str, start: datetime, end: datetime) -> dict[str, Any]:
    """CSAT, NPS, CES, retention, churn and CLV for the week (monitor.index.business)."""
    from monitor.index.business import business_metrics

    try:
        results = business_metrics(store, settings, brand, start, end)
    except MonitorError as exc:
        log.warning("report: business metrics for %s: %s", brand, exc)
        return {"available": False, "note": f"business metrics unavailable: {exc}"}
    metrics = [
        {
            "name": name,
            "value": _num(r.value),
            "n": int(r.n),
            "low": _num(r.low),
            "high": _num(r.high),
            "unit": r.unit,
            "se": _num(getattr(r, "se", None)),
        }
        for name, r in results.items()
    ]
    if not any(m["value"] is not None for m in metrics):
        return {"available": False, "note": NO_SURVEY_DATA, "metrics": metrics}
    return {"available": True, "note": None, "metrics": metrics}


def _alerts(store: Store, brand: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Alerts raised in the week for this brand, and those without a brand (e.g. a source down)."""
    a = schema.alerts
    q = (
        sa.select(a)
        .where(
            a.c.started_at >= start,
            a.c.started_at < end,
            sa.or_(a.c.brand == brand, a.c.brand.is_(None)),
        )
        .order_by(a.c.started_at, a.c.id)
    )
    with store.atomic(write=False) as conn:
        rows = list(conn.execute(q).mappings())
    return [
        {
            "rule": r["rule"],
            "brand": r["brand"],
            "source_name": r["source_name"],
            "state": r["state"],
            "started_at": r["started_at"],
            "resolved_at": r["resolved_at"],
            "historical": bool(r["historical"]),
            "labels": r["labels"] or {},
            "details": r["details"],
        }
        for r in rows
    ]
