"""Mention rows packed for the insert (`MentionBatch`), and a plain sqlite3 reader, without SQLAlchemy.

`monitor import` prepares rows in its scoring workers (monitor/mentions/import_chunks.py) and packs
them there, so the process that writes only writes. Everything those processes need from storage is
in this module, which imports no SQLAlchemy, alembic or schema module: the fork server imports it
before forking the workers, and every import it makes is time the import waits with a core idle.
`Store.insert_mentions` takes a batch or plain rows (and packs those itself).

On SQLite a batch is encoded the way SQLAlchemy's column types (UTCDateTime, Boolean, JSON) bind it,
column by column, at a fraction of their per-row cost (tests/storage/test_store.py compares the
stored bytes with SQLAlchemy's own insert). The encoding is private to storage.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple


class MentionRow(NamedTuple):
    """The fields in table order (monitor/storage/store.py checks that at import time).

    Before the score step the score fields are empty (`compound`... None, label "unscored");
    `lang` is the stated language until the scorer detects one.
    """

    source: str
    native_id: str
    brand: str
    source_name: str
    created_at: datetime
    text: str
    title: str | None
    url: str | None
    author: str | None
    lang: str | None
    rating: int | None
    engagement: int | None
    reach: int | None
    compound: float | None
    pos: float | None
    neu: float | None
    neg: float | None
    label: str
    scored: bool
    raw: dict[str, Any] | None
    extra: dict[str, Any] | None
    ingested_at: datetime

    @property
    def key(self) -> tuple[str, str, str]:
        """The identity (source, native_id, brand)."""
        return (self.source, self.native_id, self.brand)


MENTION_COLUMNS: tuple[str, ...] = MentionRow._fields
"""Every column of `mentions` but the row id, in table order (monitor/storage/store.py checks)."""

_IN_CHUNK = 500  # bound parameters per IN (...), far below SQLite's limit


def _sqlite_time(value: datetime) -> str:
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
    return None if value is None else _sqlite_time(value)


def _int_or_none(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


# What SQLAlchemy's column types would bind on SQLite, per column; the other columns bind as they are.
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


@dataclass(frozen=True, slots=True)
class Constant:
    """A column with this one value in every row of a `MentionBatch`."""

    value: Any


@dataclass(frozen=True, slots=True)
class MentionBatch:
    """Mention rows column by column, encoded for `dialect`, a column whose rows all hold one value
    sent as a `Constant`. A batch of an import shares its source, brand, source name and ingestion
    time and most optional columns are empty, so more than half of the 22 columns are constants: they
    travel from the worker once instead of once per row, and the SQLite insert writes them into the
    statement instead of binding them row by row (binding is most of an insert's cost)."""

    dialect: str
    count: int
    columns: tuple[list[Any] | Constant, ...]  # in MENTION_COLUMNS order

    @classmethod
    def of(cls, rows: Sequence[MentionRow], dialect: str) -> MentionBatch:
        """Pack rows for a store of this dialect. Raises ValueError for a naive datetime."""
        if not rows:
            return cls(dialect, 0, tuple(Constant(None) for _ in MENTION_COLUMNS))
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
        if dialect == "sqlite":
            columns = [
                column if encode is None else _encode_column(encode, column)
                for encode, column in zip(_SQLITE_ENCODED, columns, strict=True)
            ]
        packed: list[list[Any] | Constant] = []
        for column in columns:
            first = column[0]
            # count() compares in C (identity first): cheap next to building the rows.
            same = column.count(first) == len(column) and len(set(map(type, column))) == 1
            packed.append(Constant(first) if same else list(column))
        return cls(dialect, len(rows), tuple(packed))

    def brands(self) -> set[str]:
        """The brands the batch holds rows of."""
        if not self.count:
            return set()
        column = self.columns[MENTION_COLUMNS.index("brand")]
        return {column.value} if isinstance(column, Constant) else set(column)

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """The (encoded) rows again, as tuples in MENTION_COLUMNS order."""
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
