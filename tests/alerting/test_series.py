"""monitor.alerting.series.bucket_counts: per-bucket counts from the store, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest

from monitor.alerting.series import bucket_counts, bucket_index, floor_time
from monitor.storage.store import Store
from tests.support.rows import insert_dicts

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def mention(native_id: str, created: datetime, *, label: str = "neutral", brand: str = "acme") -> dict:
    return {
        "source": "x",
        "native_id": native_id,
        "brand": brand,
        "source_name": "test",
        "created_at": created,
        "text": "acme",
        "title": None,
        "url": None,
        "author": None,
        "lang": "en",
        "rating": None,
        "engagement": None,
        "reach": None,
        "compound": None if label == "unscored" else 0.0,
        "pos": None,
        "neu": None,
        "neg": None,
        "label": label,
        "scored": label != "unscored",
        "raw": None,
        "extra": None,
        "ingested_at": NOW,
    }


def test_counts_per_bucket_zero_filled_and_half_open(store: Store) -> None:
    t0 = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
    rows = [
        mention("a", t0, label="negative"),
        mention("b", t0 + timedelta(minutes=59, seconds=59, microseconds=999_999), label="positive"),
        mention("c", t0 + timedelta(minutes=30), label="unscored"),
        mention("d", t0 + timedelta(hours=2), label="negative"),  # bucket 11:00
        mention("e", t0 + timedelta(hours=3), label="negative"),  # == end: excluded
        mention("f", t0 - timedelta(microseconds=1), label="negative"),  # before start: excluded
        mention("g", t0 + timedelta(minutes=5), label="negative", brand="globex"),  # other brand
        # the same instant written in another offset is the same bucket
        mention("h", datetime(2026, 11, 4, 12, 15, tzinfo=timezone(timedelta(hours=3))), label="negative"),
    ]
    insert_dicts(store, rows, now=NOW)
    got = bucket_counts(store, "acme", start=t0, end=t0 + timedelta(hours=3), bucket=timedelta(hours=1))
    assert list(got.index) == [t0, t0 + timedelta(hours=1), t0 + timedelta(hours=2)]
    assert str(got.index.tz) == "UTC"
    assert got.to_dict("list") == {"total": [4, 0, 1], "scored": [3, 0, 1], "negative": [2, 0, 1]}
    assert all(str(t) == "int64" for t in got.dtypes)


def test_buckets_aligned_to_the_epoch_not_to_start(store: Store) -> None:
    t = datetime(2026, 11, 4, 9, 7, tzinfo=UTC)
    insert_dicts(store, [mention("a", t), mention("b", t + timedelta(minutes=8))], now=NOW)
    got = bucket_counts(store, "acme", start=t, end=t + timedelta(minutes=30), bucket=timedelta(minutes=15))
    assert list(got.index) == [
        datetime(2026, 11, 4, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 4, 9, 15, tzinfo=UTC),
        datetime(2026, 11, 4, 9, 30, tzinfo=UTC),
    ]
    assert list(got["total"]) == [1, 1, 0]


def test_day_buckets_are_utc_days(store: Store) -> None:
    # 23:30 UTC and 00:30 UTC the next day: two different UTC days whatever the local zone
    insert_dicts(
        store,
        [
            mention("a", datetime(2026, 11, 4, 23, 30, tzinfo=UTC)),
            mention("b", datetime(2026, 11, 5, 0, 30, tzinfo=UTC)),
        ],
        now=NOW,
    )
    got = bucket_counts(
        store,
        "acme",
        start=datetime(2026, 11, 4, tzinfo=UTC),
        end=datetime(2026, 11, 6, tzinfo=UTC),
        bucket=timedelta(days=1),
    )
    assert list(got["total"]) == [1, 1]


def test_empty_store_and_empty_range(store: Store) -> None:
    t0 = datetime(2026, 11, 4, tzinfo=UTC)
    got = bucket_counts(store, "acme", start=t0, end=t0 + timedelta(hours=2), bucket=timedelta(hours=1))
    assert got.to_dict("list") == {"total": [0, 0], "scored": [0, 0], "negative": [0, 0]}
    assert bucket_counts(store, "acme", start=t0, end=t0, bucket=timedelta(hours=1)).empty


def test_many_mentions_counted_by_the_database(store: Store) -> None:
    t0 = datetime(2026, 10, 1, tzinfo=UTC)
    rows = [
        mention(str(i), t0 + timedelta(minutes=7 * i), label="negative" if i % 3 == 0 else "positive")
        for i in range(2000)
    ]
    insert_dicts(store, rows, now=NOW)
    end = t0 + timedelta(minutes=7 * 2000)
    got = bucket_counts(store, "acme", start=t0, end=end, bucket=timedelta(hours=1))
    expected = pd.Series(1, index=[floor_time(r["created_at"], timedelta(hours=1)) for r in rows])
    expected = expected.groupby(level=0).sum()
    assert got["total"].sum() == 2000
    assert got["negative"].sum() == sum(1 for i in range(2000) if i % 3 == 0)
    assert (got["total"][expected.index].to_numpy() == expected.to_numpy()).all()
    assert len(got) == len(bucket_index(t0, end, timedelta(hours=1)))


def test_naive_times_and_odd_buckets_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="tz-aware"):
        bucket_counts(store, "acme", start=datetime(2026, 1, 1), end=NOW, bucket=timedelta(hours=1))
    with pytest.raises(ValueError, match="whole number of seconds"):
        bucket_counts(store, "acme", start=NOW, end=NOW, bucket=timedelta(milliseconds=1500))
