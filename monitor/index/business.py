"""Survey and customer metrics of one brand over a time window (what the weekly report shows).

Surveys count by `submitted_at` in [start, end). Customer periods count when they start (local
midnight of `period_start`) within [start, end); several of them are chained into one (S of the
first, E of the last, N summed). CLV uses the per-period retention of that chain (its k-th root for
k periods), the mean margin and the mean per-period discount rate of the periods.
"""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from analysis.metrics import MetricResult, ces, churn, clv, compound_rate, csat, no_data, nps, retention
from monitor.config import Settings
from monitor.index.calculator import chain_customers
from monitor.index.customers import period_discount
from monitor.index.queries import customer_periods, score_histogram
from monitor.index.surveys import scale_of
from monitor.storage.store import Store


def business_metrics(
    store: Store, settings: Settings, brand: str, start: datetime, end: datetime
) -> dict[str, MetricResult]:
    """csat, nps, ces, retention, churn and clv of `brand` for [start, end) (aware datetimes)."""
    settings.brand(brand)
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("business_metrics needs aware datetimes")
    tz = settings.timezone
    scale = settings.surveys.ces_scale
    out = {
        "csat": csat(score_histogram(store, brand, "csat", start, end)),
        "nps": nps(score_histogram(store, brand, "nps", start, end)),
        "ces": ces(score_histogram(store, brand, "ces", start, end, scale_of("ces", scale)[2]), scale),
    }
    first_day = start.astimezone(tz).date() - timedelta(days=1)  # widened, then filtered exactly
    last_day = end.astimezone(tz).date() + timedelta(days=1)
    rows = [
        r
        for r in customer_periods(store, brand, first_day, last_day)
        if start <= datetime.combine(r["period_start"], time(), tz) < end
    ]
    chained = chain_customers(rows)
    if chained is None:
        out.update(
            retention=no_data("retention", "%"), churn=no_data("churn", "%"), clv=no_data("clv", "currency")
        )
        return out
    kept = retention(*chained)
    out["retention"] = kept
    out["churn"] = churn(*chained)
    margins = [r["avg_margin"] for r in rows if r["avg_margin"] is not None]
    discounts = [
        r["discount_rate"]
        if r["discount_rate"] is not None
        else period_discount(settings.customers.annual_discount_rate, r["period_start"], r["period_end"])
        for r in rows
    ]
    if not margins or kept.value is None:
        out["clv"] = no_data("clv", "currency")
        return out
    out["clv"] = clv(
        math.fsum(margins) / len(margins),
        compound_rate(kept, 1 / len(rows)),
        math.fsum(discounts) / len(discounts),
    )
    return out
