"""`monitor import`: idempotent, streamed, line-numbered errors, safe to kill and rerun."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import MONITOR, Env

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def write_jsonl(path: Path, n: int, *, brand: str | None = "acme", start: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(start, start + n):
            row = {
                "id": f"m{i}",
                "text": f"acme update number {i} is good",
                "created_at": (T0 + timedelta(seconds=13 * i)).isoformat(),
            }
            if brand:
                row["brand"] = brand
            fh.write(json.dumps(row) + "\n")
    return path


def ids_in(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT native_id FROM mentions ORDER BY id")]


def test_reimport_is_idempotent(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    f = write_jsonl(env.dir / "m.jsonl", 120)
    code, out, _ = env.cli("import", str(f), capsys=capsys)
    assert code == 0 and "120 rows read: 120 stored, 0 duplicate, 0 rejected" in out
    code, out, _ = env.cli("import", str(f), capsys=capsys)
    assert code == 0 and "120 rows read: 0 stored, 120 duplicate, 0 rejected" in out
    assert len(ids_in(env.db)) == 120


def test_broken_rows_are_named_by_line_and_skipped(
    env: Env, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    f = env.dir / "m.csv"
    f.write_text(
        "id,text,created_at,brand\n"
        "1,acme is nice,2026-11-01T10:00:00Z,acme\n"
        "2,acme is bad,not-a-date,acme\n"
        '3,"acme, quoted\nover two lines",2026-11-01T10:00:00Z,acme\n'
        "4,acme again,2026-11-01T10:00:00Z,initech\n"
        "5,too,many,fields,here\n",
        encoding="utf-8",
    )
    code, out, _ = env.cli("import", str(f), capsys=capsys)
    err = caplog.text
    assert code == 0
    assert "5 rows read: 2 stored, 0 duplicate, 3 rejected" in out
    assert f"{f}:3: created_at: not an ISO 8601 time: 'not-a-date'" in err
    assert f"{f}:6: brand 'initech' is not configured" in err
    assert f"{f}:7: expected 4 fields" in err
    assert sorted(ids_in(env.db)) == ["1", "3"]


def test_strict_stops_at_the_first_bad_row_with_exit_2(env: Env) -> None:
    f = env.dir / "m.jsonl"
    f.write_text(
        write_jsonl(env.dir / "a.jsonl", 3).read_text()
        + "{oops\n"
        + write_jsonl(env.dir / "b.jsonl", 2, start=3).read_text()
    )
    proc = env.run("import", "--strict", str(f))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith(f"monitor: {f}:4: invalid JSON")
    assert "Traceback" not in proc.stderr
    assert ids_in(env.db) == ["m0", "m1", "m2"]  # the rows before the bad one are stored


def test_brand_resolution(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    f = env.dir / "m.csv"
    f.write_text(
        "id,text,created_at,brand\n"
        "1,Acme Corp and Globex both,2026-11-01T10:00:00Z,\n"  # no brand: every brand whose query matches
        "2,only globex here,2026-11-01T10:00:00Z,\n"
        "3,nothing relevant,2026-11-01T10:00:00Z,\n"
        "4,the brand column wins,2026-11-01T10:00:00Z,globex\n",
    )
    code, out, _ = env.cli("import", str(f), capsys=capsys)
    assert code == 0 and "4 rows read: 4 stored" in out and "1 matching no brand" in out
    with sqlite3.connect(env.db) as conn:
        got = sorted(conn.execute("SELECT native_id, brand FROM mentions"))
    assert got == [("1", "acme"), ("1", "globex"), ("2", "globex"), ("4", "globex")]
    code, _, err = env.cli("import", "--brand", "initech", str(f), capsys=capsys)
    assert code == 2 and "unknown brand 'initech'" in err


def test_missing_file_is_one_line(env: Env) -> None:
    proc = env.run("import", str(env.dir / "nope.csv"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"monitor: {env.dir / 'nope.csv'}: no such file"


def test_progress_lines_when_not_a_terminal(env: Env) -> None:
    f = write_jsonl(env.dir / "m.jsonl", 3000)
    proc = env.run("import", str(f))
    assert proc.returncode == 0, proc.stderr
    assert "3,000 rows read: 3,000 stored" in proc.stdout
    assert "\x1b[" not in proc.stdout + proc.stderr  # no bar or colour codes in a pipe


@pytest.mark.slow
def test_kill_9_mid_import_then_rerun_stores_every_row_exactly_once(env: Env) -> None:
    n = 60_000
    f = write_jsonl(env.dir / "big.jsonl", n)
    proc = subprocess.Popen(
        [MONITOR, "--config", str(env.config), "import", "--batch-size", "500", str(f)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=env.dir,
    )
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            with sqlite3.connect(env.db, timeout=5) as conn:
                stored = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
        except sqlite3.OperationalError:
            continue  # not created yet
        if stored >= 5_000:
            break
    assert proc.poll() is None, "import finished before it could be killed; make the file bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    partial = len(ids_in(env.db))
    assert 0 < partial < n
    assert partial % 500 == 0  # only whole batches were committed
    rerun = env.run("import", str(f), timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{n:,} rows read: {n - partial:,} stored, {partial:,} duplicate" in rerun.stdout
    ids = ids_in(env.db)
    assert len(ids) == len(set(ids)) == n


@pytest.mark.slow
def test_sigterm_to_the_process_group_mid_parallel_import_exits_cleanly(env: Env) -> None:
    import os

    n = 60_000
    f = write_jsonl(env.dir / "big.jsonl", n)
    proc = subprocess.Popen(
        [MONITOR, "--config", str(env.config), "import", "--workers", "2", "--batch-size", "1000", str(f)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=env.dir,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            with sqlite3.connect(env.db, timeout=5) as conn:
                if conn.execute("SELECT count(*) FROM mentions").fetchone()[0] >= 3_000:
                    break
        except sqlite3.OperationalError:
            continue
    assert proc.poll() is None, "import finished before the signal; make the file bigger"
    os.killpg(proc.pid, signal.SIGTERM)  # as a service manager does: the parent and the pool workers
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "import stopped by SIGTERM" in err and "Traceback" not in err
    stored = len(ids_in(env.db))
    assert 0 < stored < n and stored % 1000 == 0  # whole batches only
    assert f"{stored:,} stored" in out

    def group_alive() -> bool:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return False
        return True

    deadline = time.monotonic() + 20
    while group_alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not group_alive(), "a pool worker or the fork server outlived the import"
    rerun = env.run("import", str(f), timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    ids = ids_in(env.db)
    assert len(ids) == len(set(ids)) == n


def _mixed_rows(path: Path, n: int) -> Path:
    """Rows of every kind the import meets, repeated: brands named or not, reviews, other languages,
    duplicates, broken rows and blank lines."""

    def kinds(i: int) -> list[str]:
        when, g = "2026-11-01T10:00:00Z", "globex"
        rows = [
            {"id": f"a{i}", "text": f"acme update {i} is good", "created_at": when, "brand": "acme"},
            {"id": f"b{i}", "text": f"Acme Corp and Globex both #{i}", "created_at": "2026-11-01T13:00+03"},
            {"id": f"c{i}", "text": f"nothing relevant {i}", "created_at": "2026-11-01"},
            {"id": f"d{i}", "text": "Crashes on start.", "title": "Terrible update", "rating": 1,
             "created_at": when, "brand": "acme", "app_version": f"4.{i}"},
            {"id": f"e{i}", "text": f"Uygulama çok kötü {i}", "rating": 2, "created_at": when, "brand": g},
            {"id": f"f{i}", "text": f"Das ist sehr gut, danke {i}", "created_at": when, "brand": "acme"},
            {"id": f"a{i}", "text": f"acme update {i} is good", "created_at": when, "brand": "acme"},
        ]  # fmt: skip
        return [json.dumps(r, ensure_ascii=False) for r in rows] + [
            f"{{broken {i}",
            "",
            '{"id": "g", "text": "x"}',
        ]

    with path.open("w", encoding="utf-8") as fh:
        for i in range(n // 10):
            fh.write("\n".join(kinds(i)) + "\n")
    return path


def _table(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        cols = "source, native_id, brand, source_name, created_at, text, title, url, author, lang, rating, "
        cols += "engagement, reach, compound, pos, neu, neg, label, scored, raw, extra"
        return sorted(conn.execute(f"SELECT {cols} FROM mentions").fetchall(), key=repr)


def test_pool_and_in_process_imports_store_the_same_rows(env: Env, tmp_path: Path) -> None:
    from monitor.config import load_settings
    from monitor.mentions.importer import import_file
    from monitor.mentions.pipeline import Ingestor
    from monitor.mentions.scoring_pool import BatchScorer
    from monitor.storage.store import Store

    f = _mixed_rows(env.dir / "mixed.jsonl", 3000)
    settings = load_settings(env.config)
    lexicons = {b.name: b.lexicon for b in settings.brands.values()}
    summaries, tables = [], []
    for name, workers in (("inline.db", 1), ("pool.db", 2)):
        store = Store.open(f"sqlite:///{tmp_path / name}")
        scorer = BatchScorer(workers=workers)
        try:
            ingestor = Ingestor(store, scorer=scorer, lexicons=lexicons)
            first = import_file(f, settings, ingestor, batch_size=250, progress=False, pool_min_bytes=0)
            again = import_file(f, settings, ingestor, batch_size=250, progress=False, pool_min_bytes=0)
            assert (scorer._pool is not None) == (workers == 2)
        finally:
            scorer.close()
            store.close()
        summaries.append((first, again))
        tables.append(_table(tmp_path / name))
    assert summaries[0] == summaries[1]
    first, again = summaries[0]
    assert (first.rows, first.rejected, first.unmatched) == (2700, 600, 300)
    assert first.stored == 1800 and again.stored == 0 and again.duplicates == first.stored + first.duplicates
    assert tables[0] == tables[1] and len(tables[0]) == 1800
    assert {r[9] for r in tables[0]} >= {"en", "tr", "de"}


def test_pool_workers_start_light(tmp_path: Path) -> None:
    """Workers do not re-import the parent's main script (for `monitor` the whole CLI) and, on
    SQLite, never import SQLAlchemy or pandas."""
    from monitor.mentions.scoring_pool import BatchScorer
    from tests.support.pool_probe import worker_facts

    scorer = BatchScorer(workers=2)
    try:
        facts = scorer.executor().submit(worker_facts).result(timeout=120)
    finally:
        scorer.close()
    assert facts == {"main_file": None, "imported": [], "model_loaded": True}


@pytest.mark.slow
def test_pool_processes_exit_when_the_import_is_killed(env: Env) -> None:
    """SIGKILL reaches only the importing process; its pool must not outlive it (the workers would
    otherwise wait for work forever, and keep the fork server alive with them)."""
    import os

    f = write_jsonl(env.dir / "big.jsonl", 60_000)
    proc = subprocess.Popen(
        [MONITOR, "--config", str(env.config), "import", "--workers", "2", str(f)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=env.dir,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            with sqlite3.connect(env.db, timeout=5) as conn:
                if conn.execute("SELECT count(*) FROM mentions").fetchone()[0] >= 2_000:
                    break
        except sqlite3.OperationalError:
            continue
    assert proc.poll() is None, "import finished before the kill; make the file bigger"
    proc.kill()
    proc.wait(timeout=30)

    def group_alive() -> bool:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return False
        return True

    deadline = time.monotonic() + 30
    while group_alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not group_alive(), "a pool worker or the fork server outlived a killed import"


def test_strict_on_the_pool_stores_every_row_before_the_bad_one(env: Env, tmp_path: Path) -> None:
    from connectors.errors import InputError
    from monitor.config import load_settings
    from monitor.mentions.importer import import_file
    from monitor.mentions.pipeline import Ingestor
    from monitor.mentions.scoring_pool import BatchScorer
    from monitor.storage.store import Store

    f = env.dir / "m.jsonl"
    f.write_text(
        write_jsonl(env.dir / "a.jsonl", 1234).read_text()
        + "{oops\n"
        + write_jsonl(env.dir / "b.jsonl", 2000, start=1234).read_text()
    )
    store = Store.open(f"sqlite:///{tmp_path / 'strict.db'}")
    scorer = BatchScorer(workers=2)
    try:
        with pytest.raises(InputError, match=rf"^{f}:1235: invalid JSON"):
            import_file(
                f, load_settings(env.config), Ingestor(store, scorer=scorer), strict=True,
                batch_size=100, progress=False, pool_min_bytes=0,
            )  # fmt: skip
        assert scorer._pool is not None
    finally:
        scorer.close()
        store.close()
    assert sorted(ids_in(tmp_path / "strict.db"), key=lambda i: int(i[1:])) == [f"m{i}" for i in range(1234)]
