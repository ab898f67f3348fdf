"""Versioned schema: an old database migrates forward; the head matches schema.py."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from connectors.errors import StorageError
from monitor.storage import schema
from monitor.storage.engine import MIGRATIONS_DIR, SCHEMA_HEAD, current_revision, make_engine, migrate
from monitor.storage.store import Store
from tests.conftest import FIXTURES, Env
from tests.support.rows import insert_dicts


def test_schema_head_constant_matches_newest_script() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_HEAD


def test_version_1_fixture_migrates_forward_keeping_its_data(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema_v1.db", db)
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert current_revision(conn) == "0001"
        assert "extra" not in {c["name"] for c in sa.inspect(conn).get_columns("mentions")}
    engine.dispose()

    store = Store.open(f"sqlite:///{db}")
    with store.engine.connect() as conn:
        assert current_revision(conn) == SCHEMA_HEAD
    rows = list(store.iter_mentions())
    assert [r["native_id"] for r in rows] == ["t3_0", "t3_1", "t3_2"]
    assert rows[0]["created_at"] == datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    assert rows[2]["compound"] == pytest.approx(-0.4588)
    assert rows[0]["raw"] == {"id": "0"}
    assert all(r["extra"] is None for r in rows)
    assert store.get_cursor("reddit-main", "acme") == "t3_2"
    (health,) = store.health()
    assert health["last_stored"] == 3 and health["deferred_until"] is None
    # The unique key survived the table rebuild that SQLite's batch migration does.
    now = datetime(2026, 11, 1, tzinfo=UTC)
    dup = {k: rows[0][k] for k in rows[0] if k != "id"}
    assert insert_dicts(store, [dup], now=now).inserted == 0
    store.close()


def _head_diff(url: str) -> list:
    engine = make_engine(url)
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    engine.dispose()
    return diff


def test_migrated_sqlite_database_matches_schema_module(tmp_path: Path) -> None:
    assert _head_diff(f"sqlite:///{tmp_path / 'new.db'}") == []


@pytest.mark.postgres
def test_migrated_postgres_database_matches_schema_module(pg_url: str) -> None:
    assert _head_diff(pg_url) == []


def test_old_fixture_migrated_matches_fresh_schema(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema_v1.db", db)
    assert _head_diff(f"sqlite:///{db}") == []


def test_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'future.db'}"
    engine = make_engine(url)
    migrate(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(StorageError, match="newer than this monitor"):
        Store.open(url)


def test_concurrent_openers_migrate_once(tmp_path: Path) -> None:
    """Two processes starting on a fresh file must not both create the tables."""
    import subprocess
    import sys

    db = tmp_path / "race.db"
    code = f"from monitor.storage.store import Store; Store.open('sqlite:///{db}').close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) for _ in range(3)
    ]
    errors = [p.communicate(timeout=60)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors


def test_unreachable_database_is_one_line(env: Env) -> None:
    env.config.write_text(
        env.config.read_text().replace(f"sqlite:///{env.db}", "postgresql+psycopg://u:hunter2@127.0.0.1:1/db")
    )
    proc = env.run("status")
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("monitor: storage.url: cannot open postgresql+psycopg://u:***@127.0.0.1:1/db: ")
    assert "hunter2" not in proc.stderr


def _structure(url: str) -> dict:
    """Every table's columns (type, nullability, default), keys and indexes, as the database reports them."""
    engine = make_engine(url)
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        out = {}
        for table in sorted(inspector.get_table_names()):
            out[table] = {
                # by name: an added column lands last in a migrated table (mentions.extra, after
                # ingested_at); every query names its columns, so the physical order never matters
                "columns": sorted(
                    (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                    for c in inspector.get_columns(table)
                ),
                "pk": inspector.get_pk_constraint(table),
                "unique": sorted(map(repr, inspector.get_unique_constraints(table))),
                "indexes": sorted(map(repr, inspector.get_indexes(table))),
                "fks": sorted(map(repr, inspector.get_foreign_keys(table))),
            }
        out["revision"] = current_revision(conn)
    engine.dispose()
    return out


def _migrated_step_by_step(url: str) -> None:
    engine = make_engine(url)
    migrate(engine, "0001")  # an existing database: every later step runs
    migrate(engine)
    engine.dispose()


def test_a_new_database_is_created_at_head_exactly_as_the_migrations_leave_it(tmp_path: Path) -> None:
    fresh, stepped = f"sqlite:///{tmp_path / 'fresh.db'}", f"sqlite:///{tmp_path / 'stepped.db'}"
    engine = make_engine(fresh)
    migrate(engine)
    engine.dispose()
    _migrated_step_by_step(stepped)
    assert _structure(fresh) == _structure(stepped)
    assert _structure(fresh)["revision"] == SCHEMA_HEAD
    assert _head_diff(fresh) == []


@pytest.mark.postgres
def test_a_new_postgres_database_is_created_at_head_exactly_as_the_migrations_leave_it(pg_url: str) -> None:
    engine = make_engine(pg_url)
    with engine.begin() as conn:  # the fixture's database is new; make it so again after this test
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrate(engine)
    created = _structure(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    _migrated_step_by_step(pg_url)
    assert created == _structure(pg_url)
