"""Bucketed mention counts of one brand, read from the store: what the spike rules judge.

One GROUP BY in SQL (bucket number = floor(epoch seconds / bucket seconds)), so a year of
mentions is counted by the database, not streamed through Python; works on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from monitor.storage import schema
from monitor.storage.store import Store

COLUMNS = ("total", "scored", "negative")


def bucket_seconds(bucket: timedelta) -> int:
    """Whole seconds of a bucket; buckets are aligned to multiples of it since the Unix epoch."""
    seconds = bucket.total_seconds()
    if seconds < 1 or seconds != int(seconds):
        raise ValueError(f"bucket must be a whole number of seconds >= 1, got {bucket}")
    return int(seconds)


def floor_time(t: datetime, bucket: timedelta) -> datetime:
    """The start of the bucket holding t (UTC, epoch-aligned)."""
    size = bucket_seconds(bucket)
    epoch = int(t.astimezone(UTC).timestamp() // size) * size
    return datetime.fromtimestamp(epoch, UTC)


def bucket_index(start: datetime, end: datetime, bucket: timedelta) -> pd.DatetimeIndex:
    """Bucket starts covering [start, end): from the bucket holding start to the last starting before end."""
    first = floor_time(start, bucket)
    if end <= first:
        return pd.DatetimeIndex([], tz=UTC)
    return pd.date_range(first, end - timedelta(microseconds=1), freq=bucket, tz=UTC, inclusive="both")


def _bucket_number(store: Store, size: int) -> sa.ColumnElement[int]:
    m = schema.mentions
    if store.dialect == "postgresql":
        epoch = sa.func.extract("epoch", m.c.created_at)
        return sa.cast(sa.func.floor(epoch / size), sa.BigInteger)
    # SQLite stores naive UTC text; strftime("%s") reads it as UTC but rounds fractional seconds (so
    # 09:59:59.9999 would land in 10:00): cut them off first. Integer division floors (times > 1970).
    return sa.cast(sa.func.strftime("%s", sa.func.substr(m.c.created_at, 1, 19)), sa.Integer) // size


def bucket_counts(
    store: Store, brand: str, *, start: datetime, end: datetime, bucket: timedelta
) -> pd.DataFrame:
    """Mentions of `brand` created in [start, end), counted per bucket: total, scored, negative.

    Index: bucket starts (tz-aware UTC) from the bucket holding `start` to the last one starting
    before `end`, every bucket present (zeros included). Pass bucket-aligned start/end to get
    whole buckets only (an edge bucket cut by start or end holds only the mentions inside it).
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be tz-aware")
    size = bucket_seconds(bucket)
    index = bucket_index(start, end, bucket)
    frame = pd.DataFrame(0, index=index, columns=list(COLUMNS), dtype="int64")
    if len(index) == 0:
        return frame
    m = schema.mentions
    number = _bucket_number(store, size).label("b")
    q = (
        sa.select(
            number,
            sa.func.count().label("total"),
            sa.func.sum(sa.case((m.c.scored.is_(True), 1), else_=0)).label("scored"),
            sa.func.sum(sa.case((m.c.label == "negative", 1), else_=0)).label("negative"),
        )
        .where(m.c.brand == brand, m.c.created_at >= start, m.c.created_at < end)
        .group_by(number)
    )
    with store.atomic(write=False) as conn:
        rows = conn.execute(q).all()
    if rows:
        got = pd.DataFrame(
            [(int(b), int(t), int(s or 0), int(n or 0)) for b, t, s, n in rows],
            columns=["b", *COLUMNS],
        )
        got.index = pd.to_datetime(got.pop("b") * size, unit="s", utc=True)
        frame.loc[got.index.intersection(index), list(COLUMNS)] = got.loc[
            got.index.intersection(index), list(COLUMNS)
        ]
    frame.index.name = "start"
    return frame
