"""`Store.insert_mentions` on SQLite: its private fast path (column encoding, constant columns written
as literals, the DB-API bulk insert) stores the bytes SQLAlchemy's own insert stores."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.storage import schema
from monitor.storage.mention_rows import (
    MENTION_COLUMNS,
    Constant,
    MentionBatch,
    MentionRow,
    SQLiteMentionReader,
    _sqlite_time,
)
from monitor.storage.store import Store, _sqlite_insert_for

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def rows_of(values: list[tuple]) -> list[MentionRow]:
    return [MentionRow._make(v) for v in values]


@pytest.mark.parametrize(
    "rows",
    [
        [("x", "1", "acme", "s", T0, "it's 'quoted'", None, None, None, "en", None, None, None,
          0.5, 0.1, 0.8, 0.1, "positive", True, None, None, NOW)],  # one row: every column constant
        [("x", str(i), "acme", "s", T0 + timedelta(seconds=i), f"text {i}", "t'itle", None, "au\x00thor",
          "en" if i % 2 else None, i % 5 + 1, 3, None, i / 7, 0.0, 1.0, 0.0, "neutral", bool(i % 3),
          {"a": [i, "ü"]}, None, NOW) for i in range(40)],
        [("x", str(i), "acme", "s", T0, "same", None, None, None, None, None, None, None, None, None, None,
          None, "unscored", False, None, {"k": "v\ud800"}, NOW) for i in range(3)],
        [("x", str(i), "acme", "s", T0 if i else T0.astimezone(timezone(timedelta(hours=3))),
          "t", None, None, None, None, None, None, None, None, None, None, None, "unscored", 1 if i else True,
          {"a": 1, "b": 2} if i else {"b": 2, "a": 1}, None, NOW) for i in range(3)],  # equal, not alike
    ],
)  # fmt: skip
def test_insert_mentions_stores_the_bytes_sqlalchemy_stores(tmp_path: Path, rows: list[tuple]) -> None:
    """Literals for constant columns, binding for the rest: what lands in SQLite is the same, whether
    the rows come plain or packed (as the import's workers send them)."""
    fast = Store.open(f"sqlite:///{tmp_path / 'fast.db'}")
    result = fast.insert_mentions(rows_of(rows), now=NOW)
    assert (result.inserted, result.duplicates) == (len(rows), 0)
    batch = MentionBatch.of(rows_of(rows), "sqlite")
    assert fast.insert_mentions(batch, now=NOW).duplicates == len(rows)
    slow = Store.open(f"sqlite:///{tmp_path / 'slow.db'}")
    with slow.engine.begin() as conn:
        conn.execute(sa.insert(schema.mentions), [dict(zip(MENTION_COLUMNS, r, strict=True)) for r in rows])
    query = f"SELECT {', '.join(f'{c}, typeof({c})' for c in MENTION_COLUMNS)} FROM mentions ORDER BY id"
    with sqlite3.connect(tmp_path / "fast.db") as a, sqlite3.connect(tmp_path / "slow.db") as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


def test_constant_columns_are_literals_only_when_exact() -> None:
    rows = [
        ("x", str(i), "acme", "it's", T0, "t", None, None, None, "en", 3, None, None, 0.25, 0.1, 0.9, 0.0,
         "neutral", True, None, None, NOW) for i in range(3)
    ]  # fmt: skip
    batch = MentionBatch.of(rows_of(rows), "sqlite")
    kinds = dict(zip(MENTION_COLUMNS, batch.columns, strict=True))
    assert isinstance(kinds["native_id"], list)
    assert kinds["source_name"] == Constant("it's") and kinds["rating"] == Constant(3)
    sql, bound = _sqlite_insert_for(batch)
    assert "'it''s'" in sql and "NULL" in sql
    assert len(bound) == 7  # native_id, and the numbers: rating, compound, pos, neu, neg, scored


def test_mixed_types_are_not_one_constant() -> None:
    rows = [("x", "1", "b", "s", T0, "t", None, None, None, None, v, None, None, None, None, None, None,
             "unscored", False, None, None, NOW) for v in (1, 1.0, True)]  # fmt: skip
    batch = MentionBatch.of(rows_of(rows), "postgresql")
    assert batch.columns[MENTION_COLUMNS.index("rating")] == [1, 1.0, True]
    assert list(batch.rows()) == rows  # other databases get the values unencoded


def test_a_batch_for_another_database_is_refused(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'm.db'}")
    with pytest.raises(ValueError, match="packed for postgresql"):
        store.insert_mentions(MentionBatch.of([], "postgresql"), now=NOW)


def test_sqlite_time_is_sqlalchemys_format() -> None:
    for when in (T0, datetime(2026, 3, 29, 1, 30, 0, 999999, tzinfo=UTC), datetime(999, 1, 2, tzinfo=UTC)):
        assert _sqlite_time(when) == when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    with pytest.raises(ValueError, match="naive"):
        _sqlite_time(datetime(2026, 1, 1))


def test_plain_sqlite_reader_answers_like_the_store(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'm.db'}")
    rows = [
        ("x", str(i), "acme" if i % 2 else "globex", "s", T0, "t", None, None, None, None, None, None, None,
         None, None, None, None, "unscored", False, None, None, NOW) for i in range(1200)
    ]  # fmt: skip
    store.insert_mentions(rows_of(rows), now=NOW)
    ids = [str(i) for i in range(0, 2400, 3)]
    reader = SQLiteMentionReader(tmp_path / "m.db")
    assert reader.existing_native_ids("x", "acme", ids) == store.existing_native_ids("x", "acme", ids)
    assert len(reader.existing_native_ids("x", "acme", ids)) == 200
    with pytest.raises(sqlite3.OperationalError):  # a reader, whatever its caller does
        reader.conn.execute("DELETE FROM mentions")
    reader.close()
