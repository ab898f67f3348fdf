"""Store contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from monitor.storage import schema
from monitor.storage.store import CursorUpdate, Store
from tests.support.rows import insert_dicts

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def row(
    native_id: str,
    *,
    brand: str = "acme",
    source: str = "x",
    created: datetime | None = None,
    text: str = "acme is fine",
    **kw: object,
) -> dict:
    base = {
        "source": source,
        "native_id": native_id,
        "brand": brand,
        "source_name": "test",
        "created_at": created or NOW,
        "text": text,
        "title": None,
        "url": None,
        "author": None,
        "lang": "en",
        "rating": None,
        "engagement": None,
        "reach": None,
        "compound": 0.2,
        "pos": 0.3,
        "neu": 0.7,
        "neg": 0.0,
        "label": "positive",
        "scored": True,
        "raw": None,
        "extra": None,
        "ingested_at": NOW,
    }
    base.update(kw)
    return base


def test_insert_is_idempotent_on_source_native_id_brand(store: Store) -> None:
    first = insert_dicts(store, [row("1"), row("2")], now=NOW)
    again = insert_dicts(store, [row("1"), row("2"), row("3")], now=NOW)
    assert (first.inserted, first.duplicates) == (2, 0)
    assert (again.inserted, again.duplicates) == (1, 2)
    assert store.count_mentions() == 3


def test_same_post_for_two_brands_is_two_mentions_but_two_sources_names_one(store: Store) -> None:
    insert_dicts(store, [row("1", brand="acme"), row("1", brand="globex")], now=NOW)
    # A second configured source seeing the same post (same platform, id, brand) stores nothing.
    result = insert_dicts(store, [row("1", brand="acme", source_name="other-source")], now=NOW)
    assert result.inserted == 0
    assert store.count_mentions("acme") == 1
    assert store.count_mentions("globex") == 1


def test_mentions_and_cursor_commit_together(store: Store) -> None:
    insert_dicts(store, [row("1")], CursorUpdate("src", "acme", "c1"), now=NOW)
    assert store.get_cursor("src", "acme") == "c1"
    # A batch that fails halfway (a NOT NULL violation in its second row) stores neither its
    # first row nor the new cursor.
    with pytest.raises(sa.exc.IntegrityError):
        insert_dicts(store, [row("2"), row("3", text=None)], CursorUpdate("src", "acme", "c2"), now=NOW)
    assert store.get_cursor("src", "acme") == "c1"
    assert store.count_mentions() == 1


def test_cursor_is_per_source_and_brand(store: Store) -> None:
    insert_dicts(store, [], CursorUpdate("src", "acme", "a"), now=NOW)
    insert_dicts(store, [], CursorUpdate("src", "globex", "g"), now=NOW)
    insert_dicts(store, [], CursorUpdate("src", "acme", "a2"), now=NOW)
    assert (store.get_cursor("src", "acme"), store.get_cursor("src", "globex")) == ("a2", "g")
    assert store.get_cursor("other", "acme") is None


def test_times_round_trip_as_aware_utc(store: Store) -> None:
    istanbul = timezone(timedelta(hours=3))
    insert_dicts(store, [row("1", created=datetime(2026, 11, 4, 12, 0, tzinfo=istanbul))], now=NOW)
    (m,) = list(store.iter_mentions())
    assert m["created_at"] == datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
    assert m["created_at"].utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        insert_dicts(store, [row("1", created=datetime(2026, 11, 4, 12, 0))], now=NOW)


def test_iter_mentions_streams_in_time_order_across_pages(store: Store) -> None:
    rows = [row(str(i), created=NOW - timedelta(minutes=i % 7, seconds=i)) for i in range(53)]
    insert_dicts(store, rows, now=NOW)
    got = list(store.iter_mentions(batch=10))
    assert len(got) == 53
    keys = [(m["created_at"], m["id"]) for m in got]
    assert keys == sorted(keys)
    window = list(store.iter_mentions(since=NOW - timedelta(minutes=3), until=NOW - timedelta(minutes=1)))
    assert window and all(
        NOW - timedelta(minutes=3) <= m["created_at"] < NOW - timedelta(minutes=1) for m in window
    )


def test_existing_native_ids(store: Store) -> None:
    insert_dicts(store, [row("1"), row("2", brand="globex")], now=NOW)
    assert store.existing_native_ids("x", "acme", ["1", "2", "3"]) == {"1"}


def test_json_columns_keep_structure(store: Store) -> None:
    insert_dicts(store, [row("1", raw={"a": [1, 2, {"b": "ü"}]}, extra={"app_version": "4.2"})], now=NOW)
    (m,) = list(store.iter_mentions())
    assert m["raw"] == {"a": [1, 2, {"b": "ü"}]}
    assert m["extra"] == {"app_version": "4.2"}


def test_health_model_counts_consecutive_failures_and_resets(store: Store) -> None:
    store.record_poll("src", "file", now=NOW, error="boom 1")
    store.record_poll("src", "file", now=NOW + timedelta(minutes=1), error="boom 2")
    (h,) = store.health()
    assert h["consecutive_failures"] == 2
    assert h["last_error"] == "boom 2"
    assert h["last_success_at"] is None
    store.record_poll("src", "file", now=NOW + timedelta(minutes=2), stored=5)
    (h,) = store.health()
    assert h["consecutive_failures"] == 0
    assert h["last_success_at"] == NOW + timedelta(minutes=2)
    assert h["last_stored"] == 5
    assert h["last_error"] == "boom 2"  # kept for `monitor status`, with its time
    assert h["last_error_at"] == NOW + timedelta(minutes=1)


def test_mention_counts_group_by_brand_source_label(store: Store) -> None:
    insert_dicts(store, [row("1"), row("2", label="negative"), row("3", source="reddit")], now=NOW)
    counts = {(r["brand"], r["source"], r["label"]): r["n"] for r in store.mention_counts()}
    assert counts == {
        ("acme", "x", "positive"): 1,
        ("acme", "x", "negative"): 1,
        ("acme", "reddit", "positive"): 1,
    }


def test_schema_tables_exist(store: Store) -> None:
    names = set(sa.inspect(store.engine).get_table_names())
    assert set(schema.metadata.tables) <= names


def test_sqlite_fast_path_stores_what_sqlalchemy_would(sqlite_store: Store) -> None:
    """The bulk insert bypasses SQLAlchemy's bind processing: stored bytes must not differ."""
    when = datetime(2026, 11, 4, 9, 5, 7, 1234, tzinfo=UTC)
    insert_dicts(sqlite_store, [row("fast", created=when, raw={"a": 1}, extra=None)], now=NOW)
    with sqlite_store.engine.begin() as conn:
        conn.execute(sa.insert(schema.mentions).values(row("slow", created=when, raw={"a": 1}, extra=None)))
        stored = {
            r[0]: r[1:]
            for r in conn.exec_driver_sql(
                "SELECT native_id, created_at, ingested_at, raw, typeof(raw), extra, scored FROM mentions"
            )
        }
    assert stored["fast"] == stored["slow"]
