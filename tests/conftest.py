"""Shared fixtures: settings files in tmp dirs, the CLI in-process and as a subprocess, and the
stores (a real SQLite file always; a real PostgreSQL server when MONITOR_TEST_POSTGRES_URL is set,
as .ci/run does)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.cli import run_main
from monitor.storage.store import Store
from tests.support.replay import replay  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).parent / "fixtures"
MONITOR = str(Path(sys.executable).with_name("monitor"))
PG_URL = os.environ.get("MONITOR_TEST_POSTGRES_URL")
# The uncompressed language-model copy (monitor/mentions/langid_cache.py) goes under the checkout, not the
# user's ~/.cache; subprocesses (the CLI, pool workers) inherit this.
os.environ.setdefault("MONITOR_CACHE_DIR", str(ROOT / ".pytest_cache" / "monitor-cache"))


def shared_path(*parts: str) -> Path:
    """A file of ../shared (third-party data, never copied here).

    CI always has that folder, so its absence is a broken checkout, not a reason to skip: the test
    fails with one line naming what is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"{path} not found: the shared data folder must be beside this checkout", pytrace=False)
    return path


def settings_text(db: Path, *, sources: str = "", brands: str | None = None, extra: str = "") -> str:
    brands = (
        brands
        if brands is not None
        else textwrap.dedent("""
        [[brands]]
        name = "acme"
        query = '"acme corp" OR acme OR acmeapp -hiring'

        [[brands]]
        name = "globex"
        query = "globex"
    """)
    )
    return (
        f'timezone = "Europe/Istanbul"\n{extra}\n[storage]\nurl = "sqlite:///{db}"\n'
        f"{brands}\n{textwrap.dedent(sources)}"
    )


@dataclass
class Env:
    """A tmp dir with a settings.toml and a database path."""

    dir: Path
    config: Path
    db: Path

    def write(self, **kw: str) -> Path:
        self.config.write_text(settings_text(self.db, **kw), encoding="utf-8")
        return self.config

    def cli(self, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        """The CLI in-process (fast): exit code, stdout, stderr."""
        capsys.readouterr()
        code = run_main(["--config", str(self.config), *args])
        out, err = capsys.readouterr()
        return code, out, err

    def run(self, *args: str, timeout: float = 120, **kw: object) -> subprocess.CompletedProcess[str]:
        """The CLI as a real subprocess."""
        return subprocess.run(
            [MONITOR, "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.dir,
            **kw,
        )  # type: ignore[call-overload]

    def store(self) -> Store:
        return Store.open(f"sqlite:///{self.db}")


@pytest.fixture
def env(tmp_path: Path) -> Env:
    e = Env(tmp_path, tmp_path / "settings.toml", tmp_path / "data" / "monitor.db")
    e.write()
    return e


@pytest.fixture
def sleeps() -> list[float]:
    """Pass `sleeps.append` as a connector's `sleep`: tests see the waits and never really sleep."""
    return []


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    yield store
    store.close()


def _pg_database() -> Iterator[str]:
    """A fresh database on the test PostgreSQL server, dropped afterwards."""
    if not PG_URL:
        pytest.skip("no PostgreSQL server: set MONITOR_TEST_POSTGRES_URL (.ci/run starts one)")
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _pg_database()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The same contract tests on both stores."""
    if request.param == "sqlite":
        s = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
        yield s
        s.close()
    else:
        for url in _pg_database():
            s = Store.open(url)
            yield s
            s.close()
