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
from collections.abc import Iterable, Iterator, Sequence
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
    utc = value.astimezone(UTC)
    if utc.year < 1000:  # strftime's %Y does not pad to four digits everywhere; isoformat does
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f")
    return utc.isoformat(" ", "microseconds")[:26]  # the same text, a few times faster


def encode_mention_values(dialect: str, values: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Mention rows (tuples in `MENTION_COLUMNS` order) as the database driver binds them.

    On SQLite this is what SQLAlchemy's UTCDateTime / JSON / Boolean types would bind, without their
    per-row cost (tests/test_store.py compares the stored bytes of both paths); it is a pure function,
    so `monitor import` runs it in its worker processes. On other databases the rows go through
    SQLAlchemy unchanged. Raises ValueError for a naive datetime.
    """
    if dialect != "sqlite":
        return list(values)
    out: list[tuple[Any, ...]] = []
    last_in: datetime | None = None
    last_out: str | None = None
    for (
        source, native_id, brand, source_name, created_at, text, title, url, author, lang, rating,
        engagement, reach, compound, pos, neu, neg, label, scored, raw, extra, ingested_at,
    ) in values:  # fmt: skip
        if ingested_at is not last_in:  # a batch shares one ingested_at: convert it once
            last_in, last_out = ingested_at, None if ingested_at is None else sqlite_time(ingested_at)
        # fmt: off
        out.append((
            source, native_id, brand, source_name,
            None if created_at is None else sqlite_time(created_at),
            text, title, url, author, lang, rating, engagement, reach, compound, pos, neu, neg, label,
            None if scored is None else int(scored),
            None if raw is None else json.dumps(raw),
            None if extra is None else json.dumps(extra),
            last_out,
        ))
        # fmt: on
    return out


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
        if not rows:
            return cls(0, tuple(Constant(None) for _ in MENTION_COLUMNS))
        columns: list[list[Any] | Constant] = []
        for column in zip(*rows, strict=True):
            first = column[0]
            # count() compares in C (identity first): cheap next to building the rows.
            same = column.count(first) == len(column) and len(set(map(type, column))) == 1
            columns.append(Constant(first) if same else list(column))
        return cls(len(rows), tuple(columns))

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
