"""Reads and writes of survey responses, customer periods and index snapshots (SQLAlchemy Core, the
same statements on SQLite and PostgreSQL).

Aggregates are computed in SQL per time window (histograms of scores, counts per label), so an index
period costs a handful of indexed range queries however many mentions or responses it covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from monitor.storage import schema
from monitor.storage.store import Store

_CHUNK = 500


def _insert(store: Store, table: sa.Table) -> Any:
    return postgresql.insert(table) if store.dialect == "postgresql" else sqlite.insert(table)


# -- survey responses ------------------------------------------------------------------------------


def insert_responses(store: Store, rows: Sequence[dict[str, Any]]) -> int:
    """Insert survey responses; ones already stored (brand, metric, respondent, time) are left as
    they are. Returns how many were new."""
    if not rows:
        return 0
    t = schema.survey_responses
    stmt = _insert(store, t).on_conflict_do_nothing(
        index_elements=["brand", "metric", "respondent_id", "submitted_at"]
    )
    keys = {(r["brand"], r["metric"]) for r in rows}
    counted = sa.select(sa.func.count()).select_from(t).where(sa.tuple_(t.c.brand, t.c.metric).in_(keys))
    with store.atomic() as conn:
        # Counted inside the write transaction (no RETURNING: older SQLite builds lack it).
        before = conn.execute(counted).scalar_one()
        for start in range(0, len(rows), _CHUNK):
            conn.execute(stmt, list(rows[start : start + _CHUNK]))
        return int(conn.execute(counted).scalar_one() - before)


def score_histogram(
    store: Store, brand: str, metric: str, start: datetime, end: datetime, scale: str | None = None
) -> dict[float, int]:
    """score -> count of the brand's responses to `metric` submitted in [start, end)."""
    t = schema.survey_responses
    q = (
        sa.select(t.c.score, sa.func.count())
        .where(t.c.brand == brand, t.c.metric == metric, t.c.submitted_at >= start, t.c.submitted_at < end)
        .group_by(t.c.score)
    )
    if scale is not None:
        q = q.where(t.c.scale == scale)
    with store.atomic(write=False) as conn:
        return {float(score): int(n) for score, n in conn.execute(q)}


# -- mentions, as the index reads them -------------------------------------------------------------


def label_counts(store: Store, brand: str, start: datetime, end: datetime) -> dict[str, int]:
    """Scored mentions without a star rating (social posts, comments, news) per label in [start, end).
    Reviews are left to the reviews component, so a review counts once, by its stars."""
    m = schema.mentions
    q = (
        sa.select(m.c.label, sa.func.count())
        .where(
            m.c.brand == brand,
            m.c.created_at >= start,
            m.c.created_at < end,
            m.c.rating.is_(None),
            m.c.label.in_(("positive", "neutral", "negative")),
        )
        .group_by(m.c.label)
    )
    with store.atomic(write=False) as conn:
        return {label: int(n) for label, n in conn.execute(q)}


def rating_histogram(store: Store, brand: str, start: datetime, end: datetime) -> dict[float, int]:
    """stars -> count of the brand's reviews (mentions with a 1-5 rating) in [start, end)."""
    m = schema.mentions
    q = (
        sa.select(m.c.rating, sa.func.count())
        .where(
            m.c.brand == brand,
            m.c.created_at >= start,
            m.c.created_at < end,
            m.c.rating.is_not(None),
            m.c.rating.between(1, 5),
        )
        .group_by(m.c.rating)
    )
    with store.atomic(write=False) as conn:
        return {float(r): int(n) for r, n in conn.execute(q)}


# -- customer periods ------------------------------------------------------------------------------

_CUSTOMER_VALUES = ("customers_start", "customers_end", "customers_new", "avg_margin", "discount_rate")


def upsert_customer_period(store: Store, row: dict[str, Any]) -> str:
    """Insert or update one period's counts; returns "new", "updated" or "unchanged"."""
    t = schema.customer_periods
    key = (
        t.c.brand == row["brand"],
        t.c.period_start == row["period_start"],
        t.c.period_end == row["period_end"],
    )
    with store.atomic() as conn:
        old = conn.execute(sa.select(t).where(*key)).mappings().first()
        if old is not None and all(old[c] == row[c] for c in _CUSTOMER_VALUES):
            return "unchanged"
        stmt = _insert(store, t).values(**row)
        stmt = stmt.on_conflict_do_update(
            index_elements=["brand", "period_start", "period_end"],
            set_={c: stmt.excluded[c] for c in (*_CUSTOMER_VALUES, "origin", "ingested_at")},
        )
        conn.execute(stmt)
    return "new" if old is None else "updated"


def customer_periods(store: Store, brand: str, start: date, end: date) -> list[sa.RowMapping]:
    """The brand's customer periods that start within [start, end), oldest first."""
    t = schema.customer_periods
    q = (
        sa.select(t)
        .where(t.c.brand == brand, t.c.period_start >= start, t.c.period_start < end)
        .order_by(t.c.period_start, t.c.period_end)
    )
    with store.atomic(write=False) as conn:
        return list(conn.execute(q).mappings())


# -- index snapshots -------------------------------------------------------------------------------


def upsert_snapshot(store: Store, row: dict[str, Any]) -> None:
    """One index value per brand, period kind and period start; a recompute replaces it."""
    t = schema.index_snapshots
    stmt = _insert(store, t).values(**row)
    stmt = stmt.on_conflict_do_update(
        index_elements=["brand", "period", "period_start"],
        set_={c: stmt.excluded[c] for c in ("value", "low", "high", "components", "drivers", "computed_at")},
    )
    with store.atomic() as conn:
        conn.execute(stmt)


def snapshots(
    store: Store, brand: str, period: str, *, until: date | None = None, limit: int = 2
) -> list[sa.RowMapping]:
    """The newest `limit` snapshots of a brand and period kind (starting before `until`), newest first."""
    t = schema.index_snapshots
    q = sa.select(t).where(t.c.brand == brand, t.c.period == period)
    if until is not None:
        q = q.where(t.c.period_start < until)
    q = q.order_by(t.c.period_start.desc()).limit(limit)
    with store.atomic(write=False) as conn:
        return list(conn.execute(q).mappings())
