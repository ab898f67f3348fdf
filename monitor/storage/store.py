"""The Store: every read and write the application makes, on SQLite or PostgreSQL.

Writes are idempotent: mentions are unique on (source, native_id, brand) and inserted with
ON CONFLICT DO NOTHING, and a page of mentions commits together with the cursor that produced
it, so a crash at any point loses nothing committed and stores nothing twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import islice, repeat
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from connectors.errors import StorageError
from monitor.storage import schema
from monitor.storage.engine import make_engine, migrate, sqlite_path
from monitor.storage.mention_rows import MENTION_COLUMNS, Constant, MentionBatch, MentionRow

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

    def insert_mentions(
        self,
        rows: Sequence[MentionRow] | MentionBatch,
        cursor: CursorUpdate | None = None,
        *,
        now: datetime,
    ) -> StoreResult:
        """Insert mention rows (those stored already are left alone and counted as duplicates) and
        move the cursor, in ONE transaction. `rows` may come packed already (`MentionBatch.of`, as
        `monitor import`'s workers send them). The only way mentions are written."""
        if isinstance(rows, MentionBatch):
            batch = rows
            if batch.dialect != self.dialect:
                raise ValueError(f"a batch packed for {batch.dialect} given to a {self.dialect} store")
        else:
            try:  # before the transaction: the write lock is held only while writing
                batch = MentionBatch.of(rows, self.dialect)
            except ValueError as exc:  # the exception SQLAlchemy's own bind processing raises
                raise sa.exc.StatementError(str(exc), "INSERT INTO mentions", None, exc) from None
        inserted = 0
        with self.atomic() as conn:
            if batch.count and self.dialect == "sqlite":
                inserted = _sqlite_insert(conn, batch)
            elif batch.count:
                stmt = (
                    self._insert(schema.mentions)
                    .on_conflict_do_nothing(index_elements=["source", "native_id", "brand"])
                    .returning(schema.mentions.c.id)
                )
                for chunk in _chunked(batch.rows(), _INSERT_CHUNK):
                    values = [dict(zip(MENTION_COLUMNS, row, strict=True)) for row in chunk]
                    inserted += len(conn.execute(stmt, values).all())
            if cursor is not None:
                self._set_cursor(conn, cursor, now)
        return StoreResult(inserted, batch.count - inserted)

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

    def has_mentions(self) -> bool:
        """Whether any mention is stored (one index probe, unlike a count)."""
        with self.atomic(write=False) as conn:
            return conn.execute(sa.select(schema.mentions.c.id).limit(1)).first() is not None

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

if tuple(c.name for c in schema.mentions.columns if c.name != "id") != MENTION_COLUMNS:
    raise RuntimeError("monitor/mentions/rows.py: MentionRow's fields no longer match the mentions table")


def _chunked(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _sqlite_literal(value: Any) -> str | None:
    """`value` as an SQLite literal when that is safe and exact (NULL, or text without NUL that
    encodes to UTF-8), else None: it is bound instead. Numbers are always bound: SQLite's own
    parsing of a float literal need not round-trip the Python float bit for bit."""
    if value is None:
        return "NULL"
    if type(value) is str and "\x00" not in value:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return None
        return "'" + value.replace("'", "''") + "'"
    return None


def _sqlite_insert(conn: sa.Connection, batch: MentionBatch) -> int:
    """Bulk insert through the DB-API cursor: SQLAlchemy's per-row bind processing costs more than
    SQLite's own work. Constant text or NULL columns are written into the statement as literals, the
    others bound. Same statement semantics as the SQLAlchemy insert (ON CONFLICT DO NOTHING on the
    identity key), same stored formats (tests/storage/test_store.py compares the bytes), and the same
    transaction as the cursor update that follows. Inserted rows are counted with sqlite3's
    total_changes, which counts exactly the rows this statement inserted."""
    sql, bound = _sqlite_insert_for(batch)
    params = zip(*bound, strict=True) if bound else repeat((), batch.count)  # all literal
    raw = cast(sqlite3.Connection, conn.connection.driver_connection)
    before = raw.total_changes
    try:
        raw.cursor().executemany(sql, params)
    except sqlite3.DatabaseError as exc:  # the same exception classes callers get from SQLAlchemy
        raise sa.exc.DBAPIError.instance(sql, None, exc, sqlite3.DatabaseError) from exc
    return raw.total_changes - before


def _sqlite_insert_for(batch: MentionBatch) -> tuple[str, list[Any]]:
    """The INSERT for a batch (constant text/NULL columns as literals) and the columns it binds."""
    values: list[str] = []
    bound: list[Any] = []
    for column in batch.columns:
        literal = _sqlite_literal(column.value) if isinstance(column, Constant) else None
        if literal is not None:
            values.append(literal)
        else:
            values.append("?")
            bound.append(repeat(column.value, batch.count) if isinstance(column, Constant) else column)
    sql = (
        f"INSERT INTO mentions ({', '.join(MENTION_COLUMNS)}) VALUES ({', '.join(values)}) "
        "ON CONFLICT (source, native_id, brand) DO NOTHING"
    )
    return sql, bound
