"""Mention rows as tuples, their SQLite encoding, and a plain sqlite3 reader, without SQLAlchemy.

`monitor import` prepares rows in its scoring workers (monitor/import_chunks.py). Everything those
processes need from storage is here, in a module that imports no SQLAlchemy, alembic or schema
module: the fork server imports it before forking the workers, and every import it makes is time
the import waits with a core idle. `monitor.storage.store` re-exports these names and checks at
import time that `MENTION_COLUMNS` matches the `mentions` table.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import Any

MENTION_COLUMNS: tuple[str, ...] = (
    "source", "native_id", "brand", "source_name", "created_at", "text", "title", "url", "author",
    "lang", "rating", "engagement", "reach", "compound", "pos", "neu", "neg", "label", "scored",
    "raw", "extra", "ingested_at",
)  # fmt: skip
"""Every column of `mentions` but the row id, in table order: the order of every row tuple."""

_IN_CHUNK = 500  # bound parameters per IN (...), far below SQLite's limit


def sqlite_time(value: datetime) -> str:
    """What SQLAlchemy's UTCDateTime binds on SQLite: "%Y-%m-%d %H:%M:%S.%f" in UTC."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} given to a UTC column")
    utc = value if value.tzinfo is UTC else value.astimezone(UTC)
    if utc.year < 1000:  # strftime's %Y does not pad to four digits everywhere; "%04d" below does
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f")
    # The same text as strftime, about twice as fast (once per imported row).
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 (faster than format/f-strings here)
        utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond,
    )  # fmt: skip


def _time_or_none(value: datetime | None) -> str | None:
    return None if value is None else sqlite_time(value)


def _int_or_none(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


# What SQLAlchemy's column types (UTCDateTime, Boolean, JSON) would bind on SQLite, per column; the
# other columns bind as they are.
_SQLITE_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "created_at": _time_or_none,
    "scored": _int_or_none,
    "raw": _json_or_none,
    "extra": _json_or_none,
    "ingested_at": _time_or_none,
}
_SQLITE_ENCODED = tuple(_SQLITE_ENCODERS.get(c) for c in MENTION_COLUMNS)


def _encode_column(encode: Callable[[Any], Any], column: Sequence[Any]) -> list[Any]:
    first = column[0]
    # One value in the whole column (a batch's ingested_at, an empty raw): encoded once. Equal times
    # are one instant, so one text; equal JSON objects may differ in key order, so they are not.
    if column.count(first) == len(column) and (first is None or encode is not _json_or_none):
        return [encode(first)] * len(column)
    return list(map(encode, column))


def encode_mention_columns(dialect: str, columns: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
    """Mention rows given column by column (in `MENTION_COLUMNS` order, every column as long) encoded
    as the database driver binds them: column by column, which costs a fraction of encoding row by
    row. On SQLite that is what SQLAlchemy's UTCDateTime / JSON / Boolean types would bind, without
    their per-row cost (tests/test_import_chunks.py compares the stored bytes of both paths); on other
    databases the values go through SQLAlchemy unchanged. Raises ValueError for a naive datetime."""
    if dialect != "sqlite" or not columns or not len(columns[0]):
        return list(columns)
    return [
        column if encode is None else _encode_column(encode, column)
        for encode, column in zip(_SQLITE_ENCODED, columns, strict=True)
    ]


def encode_mention_values(dialect: str, values: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """`encode_mention_columns` for rows given as tuples in `MENTION_COLUMNS` order; rows out."""
    rows = list(values)
    if dialect != "sqlite" or not rows:
        return rows
    return list(zip(*encode_mention_columns(dialect, list(zip(*rows, strict=True))), strict=True))


@dataclass(frozen=True, slots=True)
class Constant:
    """A column with this one value in every row of a `ColumnBatch`."""

    value: Any


@dataclass(frozen=True, slots=True)
class ColumnBatch:
    """Encoded mention rows column by column, a column whose rows all hold one value sent as a
    `Constant`. A batch of an import shares its source, brand, source name and ingestion time and
    most optional columns are empty, so more than half of the 22 columns are constants: they travel
    from the worker once instead of once per row, and `Store.store_column_batch` writes them into
    the statement instead of binding them row by row (binding is most of an insert's cost)."""

    count: int
    columns: tuple[list[Any] | Constant, ...]  # in MENTION_COLUMNS order

    @classmethod
    def of(cls, rows: Sequence[tuple[Any, ...]]) -> ColumnBatch:
        """From rows (tuples in MENTION_COLUMNS order), already encoded."""
        return cls.of_columns(list(zip(*rows, strict=True)) if rows else [])

    @classmethod
    def of_columns(cls, columns: Sequence[Sequence[Any]]) -> ColumnBatch:
        """From columns (in MENTION_COLUMNS order, each as long), already encoded."""
        if not columns or not len(columns[0]):
            return cls(0, tuple(Constant(None) for _ in MENTION_COLUMNS))
        if len(columns) != len(MENTION_COLUMNS):
            raise ValueError(f"{len(columns)} columns given, the mentions table has {len(MENTION_COLUMNS)}")
        batch: list[list[Any] | Constant] = []
        for column in columns:
            first = column[0]
            # count() compares in C (identity first): cheap next to building the rows.
            same = column.count(first) == len(column) and len(set(map(type, column))) == 1
            batch.append(Constant(first) if same else list(column))
        return cls(len(columns[0]), tuple(batch))

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """The rows again, as tuples in MENTION_COLUMNS order."""
        columns = (repeat(c.value, self.count) if isinstance(c, Constant) else c for c in self.columns)
        return zip(*columns, strict=True)


class SQLiteMentionReader:
    """A read-only sqlite3 connection answering `Store.existing_native_ids` (same query, same
    answer) for a worker process. In WAL mode it reads while the importing process writes."""

    def __init__(self, path: str | Path) -> None:
        self.conn = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA query_only = ON")  # a reader, whatever the code calling it does
        self.conn.execute("PRAGMA busy_timeout = 60000")

    def existing_native_ids(self, source: str, brand: str, native_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(native_ids), _IN_CHUNK):
            chunk = list(native_ids[start : start + _IN_CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT native_id FROM mentions WHERE source = ? AND brand = ? AND native_id IN ({marks})",
                [source, brand, *chunk],
            )
            found.update(r[0] for r in rows)
        return found

    def close(self) -> None:
        self.conn.close()
