"""The Store: every read and write the application makes, on SQLite or PostgreSQL.

Writes are idempotent: mentions are unique on (source, native_id, brand) and inserted with
ON CONFLICT DO NOTHING, and a page of mentions commits together with the cursor that produced
it, so a crash at any point loses nothing committed and stores nothing twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from connectors.errors import StorageError
from monitor.storage import schema
from monitor.storage.engine import make_engine, migrate, sqlite_path

# SQLite allows 32766 bound parameters per statement; 25 columns x 500 rows stays well below.
_INSERT_CHUNK = 500


@dataclass(frozen=True, slots=True)
class CursorUpdate:
    source_name: str
    brand: str
    cursor: str | None


@dataclass(frozen=True, slots=True)
class StoreResult:
    inserted: int
    duplicates: int


class Store:
    def __init__(self, engine: sa.Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.dialect = engine.dialect.name

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True) -> Store:
        engine = make_engine(url)
        if migrate_schema:
            try:
                migrate(engine)
            except sa.exc.DBAPIError as exc:  # unreachable server, bad password, unwritable file
                shown = engine.url.render_as_string(hide_password=True)
                reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
                engine.dispose()
                raise StorageError(f"storage.url: cannot open {shown}: {reason}") from None
        return cls(engine, url)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def sqlite_file(self) -> Path | None:
        return sqlite_path(self.url)

    def describe(self) -> str:
        """Where the data is, for humans; never includes a password."""
        return (
            str(self.sqlite_file)
            if self.sqlite_file
            else self.engine.url.render_as_string(hide_password=True)
        )

    @contextmanager
    def atomic(self, *, write: bool = True) -> Iterator[sa.Connection]:
        """One transaction; committed when the block ends, rolled back on any exception."""
        with self.engine.connect() as conn:
            if write:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    def _insert(self, table: sa.Table) -> Any:
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    # -- mentions ---------------------------------------------------------------------------

    def existing_native_ids(self, source: str, brand: str, native_ids: Sequence[str]) -> set[str]:
        """Which of these ids are stored already, so the pipeline does not score them again."""
        found: set[str] = set()
        m = schema.mentions
        with self.atomic(write=False) as conn:
            for start in range(0, len(native_ids), _INSERT_CHUNK):
                chunk = list(native_ids[start : start + _INSERT_CHUNK])
                rows = conn.execute(
                    sa.select(m.c.native_id).where(
                        m.c.source == source, m.c.brand == brand, m.c.native_id.in_(chunk)
                    )
                )
                found.update(r[0] for r in rows)
        return found

    def store_mentions(
        self, rows: Sequence[dict[str, Any]], cursor: CursorUpdate | None = None, *, now: datetime
    ) -> StoreResult:
        """Insert mention rows and move the cursor, in ONE transaction."""
        inserted = 0
        with self.atomic() as conn:
            if self.dialect == "sqlite" and rows:
                inserted = _sqlite_insert_mentions(conn, rows)
            for start in range(0, len(rows) if self.dialect != "sqlite" else 0, _INSERT_CHUNK):
                chunk = rows[start : start + _INSERT_CHUNK]
                stmt = (
                    self._insert(schema.mentions)
                    .on_conflict_do_nothing(index_elements=["source", "native_id", "brand"])
                    .returning(schema.mentions.c.id)
                )
                inserted += len(conn.execute(stmt, list(chunk)).all())
            if cursor is not None:
                self._set_cursor(conn, cursor, now)
        return StoreResult(inserted, len(rows) - inserted)

    def _set_cursor(self, conn: sa.Connection, cursor: CursorUpdate, now: datetime) -> None:
        stmt = self._insert(schema.cursors).values(
            source_name=cursor.source_name, brand=cursor.brand, cursor=cursor.cursor, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["source_name", "brand"],
            set_={"cursor": stmt.excluded.cursor, "updated_at": stmt.excluded.updated_at},
        )
        conn.execute(stmt)

    def get_cursor(self, source_name: str, brand: str) -> str | None:
        c = schema.cursors
        with self.atomic(write=False) as conn:
            return conn.execute(
                sa.select(c.c.cursor).where(c.c.source_name == source_name, c.c.brand == brand)
            ).scalar_one_or_none()

    def iter_mentions(
        self,
        *,
        brand: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        batch: int = 2000,
    ) -> Iterator[sa.RowMapping]:
        """Stream stored mentions ordered by time (keyset paging: memory stays flat)."""
        m = schema.mentions
        last: tuple[datetime, int] | None = None
        while True:
            q = sa.select(m).order_by(m.c.created_at, m.c.id).limit(batch)
            if brand:
                q = q.where(m.c.brand == brand)
            if since:
                q = q.where(m.c.created_at >= since)
            if until:
                q = q.where(m.c.created_at < until)
            if last:
                q = q.where(sa.tuple_(m.c.created_at, m.c.id) > sa.tuple_(*last))
            with self.atomic(write=False) as conn:
                rows = conn.execute(q).mappings().all()
            yield from rows
            if len(rows) < batch:
                return
            last = (rows[-1]["created_at"], rows[-1]["id"])

    def mention_counts(self) -> list[sa.RowMapping]:
        """Per brand, source and label: count and newest mention time."""
        m = schema.mentions
        q = (
            sa.select(
                m.c.brand,
                m.c.source,
                m.c.label,
                sa.func.count().label("n"),
                sa.func.max(m.c.created_at).label("newest"),
            )
            .group_by(m.c.brand, m.c.source, m.c.label)
            .order_by(m.c.brand, m.c.source, m.c.label)
        )
        with self.atomic(write=False) as conn:
            return list(conn.execute(q).mappings())

    def language_counts(self) -> list[sa.RowMapping]:
        """Per brand and language: mentions and how many of them are unscored."""
        m = schema.mentions
        unscored = sa.func.sum(sa.case((m.c.label == "unscored", 1), else_=0))
        q = (
            sa.select(m.c.brand, m.c.lang, sa.func.count().label("n"), unscored.label("unscored"))
            .group_by(m.c.brand, m.c.lang)
            .order_by(m.c.brand, sa.func.count().desc())
        )
        with self.atomic(write=False) as conn:
            return list(conn.execute(q).mappings())

    def count_mentions(self, brand: str | None = None) -> int:
        m = schema.mentions
        q = sa.select(sa.func.count()).select_from(m)
        if brand:
            q = q.where(m.c.brand == brand)
        with self.atomic(write=False) as conn:
            return int(conn.execute(q).scalar_one())

    # -- connector health -------------------------------------------------------------------

    def record_poll(
        self,
        source_name: str,
        source_type: str,
        *,
        now: datetime,
        error: str | None = None,
        stored: int = 0,
        deferred_until: datetime | None = None,
        circuit: Callable[[int], datetime | None] | None = None,
    ) -> int:
        """The one health model: last attempt/success/error and consecutive failures.

        On a failure, `circuit(failures)` says until when the circuit stays open (None: closed).
        Returns the consecutive failures after this poll.
        """
        h = schema.connector_health
        with self.atomic() as conn:
            row = conn.execute(sa.select(h).where(h.c.source_name == source_name)).mappings().first()
            values: dict[str, Any] = {
                "source_type": source_type,
                "last_attempt_at": now,
                "deferred_until": deferred_until,
            }
            if error is None:
                failures = 0
                values.update(
                    last_success_at=now, consecutive_failures=0, last_stored=stored, circuit_open_until=None
                )
            else:
                failures = (row["consecutive_failures"] if row else 0) + 1
                values.update(
                    last_error_at=now,
                    last_error=error[:2000],
                    consecutive_failures=failures,
                    circuit_open_until=circuit(failures) if circuit else None,
                )
            if row is None:
                conn.execute(sa.insert(h).values(source_name=source_name, **values))
            else:
                conn.execute(sa.update(h).where(h.c.source_name == source_name).values(**values))
        return failures

    def health_of(self, source_name: str) -> sa.RowMapping | None:
        h = schema.connector_health
        with self.atomic(write=False) as conn:
            return conn.execute(sa.select(h).where(h.c.source_name == source_name)).mappings().first()

    # -- read budgets ---------------------------------------------------------------------------

    def add_reads(self, source_name: str, reads: int, *, now: datetime) -> None:
        """Count items read against the source's monthly budget (UTC months, as X bills them)."""
        if reads <= 0:
            return
        b = schema.read_budget
        period = now.strftime("%Y-%m")
        stmt = self._insert(b).values(source_name=source_name, period=period, reads=reads, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["source_name", "period"],
            set_={"reads": b.c.reads + stmt.excluded.reads, "updated_at": stmt.excluded.updated_at},
        )
        with self.atomic() as conn:
            conn.execute(stmt)

    def reads_in_month(self, source_name: str, now: datetime) -> int:
        b = schema.read_budget
        with self.atomic(write=False) as conn:
            value = conn.execute(
                sa.select(b.c.reads).where(
                    b.c.source_name == source_name, b.c.period == now.strftime("%Y-%m")
                )
            ).scalar_one_or_none()
        return int(value or 0)

    def health(self) -> list[sa.RowMapping]:
        h = schema.connector_health
        with self.atomic(write=False) as conn:
            return list(conn.execute(sa.select(h).order_by(h.c.source_name)).mappings())


# -- the SQLite fast path ---------------------------------------------------------------------------

_MENTION_COLUMNS = tuple(c.name for c in schema.mentions.columns if c.name != "id")
_SQLITE_INSERT = (
    f"INSERT INTO mentions ({', '.join(_MENTION_COLUMNS)}) VALUES ({', '.join('?' * len(_MENTION_COLUMNS))}) "
    "ON CONFLICT (source, native_id, brand) DO NOTHING"
)
_TIMES = frozenset({"created_at", "ingested_at"})
_JSONS = frozenset({"raw", "extra"})


def _sqlite_value(name: str, value: Any) -> Any:
    """What SQLAlchemy's UTCDateTime / JSON / Boolean types would bind, without their per-row cost."""
    if value is None:
        return None
    if name in _TIMES:
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to a UTC column")
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite format
    if name in _JSONS:
        return json.dumps(value)
    if name == "scored":
        return int(value)
    return value


def _sqlite_insert_mentions(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Bulk insert through the DB-API cursor: the import's hot path spends more time in SQLAlchemy's
    per-row bind processing than in SQLite. Same statement semantics (ON CONFLICT DO NOTHING on the
    identity key), same stored formats (tests/test_store.py runs the contract on both paths' output),
    and the same transaction as the cursor update that follows. Inserted rows are counted with
    sqlite3's total_changes, which counts exactly the rows this statement inserted."""
    raw = conn.connection.driver_connection
    try:
        params = [tuple(_sqlite_value(c, row.get(c)) for c in _MENTION_COLUMNS) for row in rows]
    except ValueError as exc:
        raise sa.exc.StatementError(str(exc), _SQLITE_INSERT, None, exc) from None
    before = raw.total_changes
    try:
        raw.cursor().executemany(_SQLITE_INSERT, params)
    except sqlite3.DatabaseError as exc:  # the same exception classes callers get from SQLAlchemy
        raise sa.exc.DBAPIError.instance(_SQLITE_INSERT, None, exc, sqlite3.DatabaseError) from exc
    return raw.total_changes - before
