"""Customer counts per period (retention, churn) and the CLV inputs, from a CSV or settings.toml.

CSV columns: `period_start` (a local date, e.g. the Monday of an ISO week), `customers_start` (S),
`customers_end` (E), `new_customers` (N), `avg_margin` (margin per customer per period; may be empty);
optional `period_end` (default: one `[customers] period` after the start) and `discount_rate` (per
period; default: `[customers] annual_discount_rate` converted to the period's length).

A period is identified by (brand, period_start, period_end): importing again updates changed numbers
and leaves the rest alone, so a corrected export is simply imported again.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from analysis.metrics import check_counts
from connectors.errors import InputError
from connectors.records import read_records
from monitor.clock import Clock, SystemClock
from monitor.config import Settings
from monitor.index.queries import upsert_customer_period
from monitor.storage.store import Store

log = logging.getLogger(__name__)
REQUIRED = ("period_start", "customers_start", "customers_end", "new_customers")


@dataclass
class CustomerImportSummary:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def line(self) -> str:
        return (
            f"{self.rows:,} rows read: {self.new:,} new, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged, {self.rejected:,} rejected"
        )

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def default_end(start: date, period: str) -> date:
    """A row without period_end lasts one week, or one month (same day of the next month, or its
    last day: Jan 31 -> Feb 28)."""
    if period == "week":
        return start + timedelta(days=7)
    year, month = start.year + start.month // 12, start.month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def period_discount(annual: float, start: date, end: date) -> float:
    """An annual discount rate as the rate for one period of this length (compounded)."""
    return (1 + annual) ** ((end - start).days / 365.25) - 1


def import_customers(
    path: Path,
    settings: Settings,
    store: Store,
    *,
    brand: str,
    strict: bool = False,
    clock: Clock | None = None,
) -> CustomerImportSummary:
    """Import a customers CSV for `brand`: bad rows are file:line and skipped, or stop with --strict."""
    settings.brand(brand)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    now = (clock or SystemClock()).now()
    summary = CustomerImportSummary()
    for record in read_records(path, "csv", required=REQUIRED):
        summary.rows += 1
        where = f"{path}:{record.line}"
        try:
            if record.fields is None:
                raise ValueError(record.error or "unreadable row")
            row = customer_row(record.fields, settings, brand)
        except ValueError as exc:
            if strict:
                raise InputError(f"{where}: {exc}") from None
            log.warning("%s: %s (skipped)", where, exc)
            summary.rejected += 1
            continue
        row.update(origin=path.name[:200], ingested_at=now)
        summary.add(upsert_customer_period(store, row))
    return summary


def customer_row(fields: dict[str, Any], settings: Settings, brand: str) -> dict[str, Any]:
    """One period's row from CSV fields (strings) or a settings entry; ValueError names the column."""

    def text(name: str) -> str | None:
        v = fields.get(name)
        return None if v is None or str(v).strip() == "" else str(v).strip()

    def day(name: str) -> date | None:
        v = fields.get(name)
        if isinstance(v, date):
            return v
        t = text(name)
        if t is None:
            return None
        try:
            return date.fromisoformat(t)
        except ValueError:
            raise ValueError(f"{name}: not a date like 2026-10-12: {t!r}") from None

    def count(name: str) -> int:
        t = text(name)
        try:
            n = int(t) if t is not None else None
        except ValueError:
            n = None
        if n is None or n < 0:
            raise ValueError(f"{name}: expected a whole number of customers, got {t!r}")
        return n

    def number(name: str) -> float | None:
        t = text(name)
        if t is None:
            return None
        try:
            x = float(t)
        except ValueError:
            raise ValueError(f"{name}: not a number: {t!r}") from None
        if x != x or x in (float("inf"), float("-inf")):
            raise ValueError(f"{name}: not a number: {t!r}")
        return x

    start = day("period_start")
    if start is None:
        raise ValueError("period_start: missing")
    end = day("period_end") or default_end(start, settings.customers.period)
    if end <= start:
        raise ValueError(f"period_end {end} is not after period_start {start}")
    s, e, n = count("customers_start"), count("customers_end"), count("new_customers")
    check_counts(s, e, n)
    margin = number("avg_margin")
    if margin is None:
        margin = settings.customers.avg_margin
    discount = number("discount_rate")
    if discount is not None and not 0 < discount <= 1:
        raise ValueError(f"discount_rate: expected a rate per period in (0, 1], got {discount:g}")
    return {
        "brand": brand,
        "period_start": start,
        "period_end": end,
        "customers_start": s,
        "customers_end": e,
        "customers_new": n,
        "avg_margin": margin,
        "discount_rate": discount,
    }


def import_settings_periods(
    settings: Settings, store: Store, clock: Clock | None = None
) -> CustomerImportSummary:
    """The `[[customers.periods]]` given inline in settings.toml, upserted like a CSV's rows."""
    now = (clock or SystemClock()).now()
    summary = CustomerImportSummary()
    for brand, p in settings.customers.periods:
        fields = {
            "period_start": p.period_start,
            "period_end": p.period_end,
            "customers_start": str(p.customers_start),
            "customers_end": str(p.customers_end),
            "new_customers": str(p.new_customers),
            "avg_margin": None if p.avg_margin is None else str(p.avg_margin),
            "discount_rate": None if p.discount_rate is None else str(p.discount_rate),
        }
        row = customer_row(fields, settings, brand)
        row.update(origin="settings", ingested_at=now)
        summary.rows += 1
        summary.add(upsert_customer_period(store, row))
    return summary
