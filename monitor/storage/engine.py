"""Engines for SQLite (WAL, the embedded default) and PostgreSQL, and schema migration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from connectors.errors import StorageError

SCHEMA_HEAD = "0005"  # tests/storage/test_migrations.py checks this equals the newest migration script
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def sqlite_path(url: str) -> Path | None:
    """The database file of a sqlite URL, None for other databases or in-memory SQLite."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(url: str) -> sa.Engine:
    """An engine configured for many short transactions from threads and processes."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise StorageError(f"storage.url: not a database URL: {url!r}") from None
    if parsed.get_backend_name() != "sqlite":
        try:
            return sa.create_engine(url, pool_pre_ping=True, future=True)
        except (ImportError, sa.exc.NoSuchModuleError) as exc:
            raise StorageError(
                f"storage.url: no driver for {parsed.drivername!r} ({exc}); "
                "for PostgreSQL install the 'postgres' extra and use postgresql+psycopg://"
            ) from None
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"storage.url: cannot create {path.parent}: {exc.strerror}") from None
    engine = sa.create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # readers never block the daemon's writes
        cur.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # Writers take the write lock up front (BEGIN IMMEDIATE) so two writers wait for each
        # other via busy_timeout instead of failing with "database is locked" on upgrade.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def current_revision(conn: sa.Connection) -> str | None:
    """The schema revision alembic recorded, read from its table directly: every command opens the
    store, and importing alembic (a tenth of a second) is only needed when there is something to
    migrate. None for a database alembic never touched; more than one row is an error, as in alembic."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    versions = [row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
    if len(versions) > 1:
        raise StorageError(f"database schema has several revisions: {', '.join(sorted(versions))}")
    return versions[0] if versions else None


def migrate(engine: sa.Engine, target: str = "head") -> None:
    """Bring the schema to `target`, serialised against other processes doing the same."""
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727011)")  # one migrator at a time
            current = current_revision(conn)
            if current == SCHEMA_HEAD and target == "head":
                return
            if current is not None and current > SCHEMA_HEAD:
                raise StorageError(
                    f"database schema {current} is newer than this monitor understands ({SCHEMA_HEAD}); "
                    "upgrade the monitor"
                )
            if current is None and target == "head" and not sa.inspect(conn).get_table_names():
                create_at_head(conn)
                return
            from alembic import command
            from alembic.config import Config

            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)


# The table alembic keeps its revision in, as alembic itself creates it.
_VERSION_TABLE = sa.Table(
    "alembic_version",
    sa.MetaData(),
    sa.Column("version_num", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def create_at_head(conn: sa.Connection) -> None:
    """A new, empty database: the tables as of the newest migration, created from `schema` and
    stamped with its revision, as alembic's documentation recommends for new databases. Running the
    four migrations one by one instead meant importing alembic and replaying every step, a fifth of a
    second before a first `monitor import` could start (tests/storage/test_migrations.py checks that both
    ways give the same tables, columns, defaults, keys and indexes)."""
    from monitor.storage import schema

    schema.metadata.create_all(conn)
    _VERSION_TABLE.create(conn)
    conn.execute(_VERSION_TABLE.insert().values(version_num=SCHEMA_HEAD))
