"""`monitor run`, the real daemon in a subprocess: signals, failing sources, the SQLite lock."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import MONITOR, Env
from tests.mentions.test_import import ids_in, write_jsonl

pytestmark = pytest.mark.slow


def wait_for(predicate: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def count(db: Path, sql: str = "SELECT count(*) FROM mentions") -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


class Daemon:
    def __init__(self, env: Env) -> None:
        self.out = env.dir / f"daemon-{time.monotonic_ns()}.out"
        self.fh = self.out.open("w")
        self.proc = subprocess.Popen(
            [MONITOR, "--config", str(env.config), "run"],
            stdout=self.fh,
            stderr=subprocess.STDOUT,
            cwd=env.dir,
            text=True,
        )

    def output(self) -> str:
        return self.out.read_text()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    started: list[Daemon] = []
    yield started
    for d in started:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()
        d.fh.close()


def _sources(*entries: tuple[str, Path, str, str]) -> str:
    return "".join(
        f'[[sources]]\nname = "{name}"\ntype = "file"\npath = "{path}"\ninterval = "{interval}"\n{extra}\n'
        for name, path, interval, extra in entries
    )


def test_first_cycle_summary_then_sigterm_exits_0(env: Env, daemons: list[Daemon]) -> None:
    feed = write_jsonl(env.dir / "feed.jsonl", 40)
    env.write(sources=_sources(("feed", feed, "1h", "")))
    d = Daemon(env)
    daemons.append(d)
    wait_for(lambda: "polling on schedule" in d.output(), what="first cycle summary")
    out = d.output()
    assert f"database {env.db}" in out
    assert "source feed (file, query) every 1h for acme, globex" in out
    assert "acme: 40 new; total 40 mentions: 100% positive" in out
    started = time.monotonic()
    assert d.stop() == 0
    assert time.monotonic() - started < 10
    assert "stopped cleanly" in d.output()


def test_sigterm_in_the_middle_of_a_poll_loses_nothing_committed(env: Env, daemons: list[Daemon]) -> None:
    n = 40_000
    feed = write_jsonl(env.dir / "feed.jsonl", n)
    env.write(sources=_sources(("feed", feed, "1h", "page_size = 500")))
    d = Daemon(env)
    daemons.append(d)
    wait_for(lambda: count(env.db) >= 2_000, what="some pages stored")
    assert d.proc.poll() is None, "the poll finished before SIGTERM; use a bigger file"
    started = time.monotonic()
    assert d.stop() == 0, d.output()
    assert time.monotonic() - started < 10
    stored = count(env.db)
    assert 0 < stored < n and stored % 500 == 0  # whole pages only
    with sqlite3.connect(env.db) as conn:
        (cursor,) = conn.execute(
            "SELECT cursor FROM cursors WHERE source_name='feed' AND brand='acme'"
        ).fetchone()
    assert json.loads(cursor)["line"] == stored + 1  # the cursor is exactly after the stored rows
    # The next run resumes from the cursor: every row exactly once.
    proc = env.run("poll", "--source", "feed", "--brand", "acme", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"{n - stored} stored, 0 duplicate" in proc.stdout
    ids = ids_in(env.db)
    assert len(ids) == len(set(ids)) == n


def test_daemon_survives_a_source_that_fails_on_every_poll(env: Env, daemons: list[Daemon]) -> None:
    good = write_jsonl(env.dir / "good.jsonl", 5)
    broken = env.dir / "does-not-exist.jsonl"
    env.write(sources=_sources(("broken", broken, "1s", ""), ("good", good, "1s", 'brands = ["acme"]')))
    d = Daemon(env)
    daemons.append(d)
    wait_for(
        lambda: (
            count(
                env.db,
                "SELECT coalesce(max(consecutive_failures), 0) FROM connector_health "
                "WHERE source_name='broken'",
            )
            >= 3
        ),
        what="three failed polls",
    )
    # The good source keeps being polled on schedule: rows appended now get stored.
    with good.open("a") as fh:
        fh.write(write_jsonl(env.dir / "more.jsonl", 3, start=100).read_text())
    wait_for(lambda: count(env.db) == 8, what="appended rows stored")
    assert d.proc.poll() is None
    assert d.stop() == 0
    status = env.run("status", "--format", "json")
    data = {s["name"]: s for s in json.loads(status.stdout)["sources"]}
    assert data["broken"]["consecutive_failures"] >= 3 and "file not found" in data["broken"]["last_error"]
    assert data["good"]["consecutive_failures"] == 0 and data["good"]["last_success_at"]


def test_second_daemon_on_the_same_sqlite_file_is_refused(env: Env, daemons: list[Daemon]) -> None:
    env.write(sources=_sources(("feed", write_jsonl(env.dir / "f.jsonl", 3), "1h", "")))
    first = Daemon(env)
    daemons.append(first)
    wait_for(lambda: "polling on schedule" in first.output(), what="first daemon up")
    second = env.run("run", timeout=60)
    assert second.returncode != 0
    assert f"another monitor daemon (pid {first.proc.pid}) is already running on {env.db}" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.stop() == 0
    # The lock goes with the process, even after kill -9: a new daemon starts.
    third = Daemon(env)
    daemons.append(third)
    wait_for(lambda: "polling on schedule" in third.output(), what="third daemon up")
    third.proc.kill()
    third.proc.wait()
    fourth = Daemon(env)
    daemons.append(fourth)
    wait_for(lambda: "polling on schedule" in fourth.output(), what="daemon after kill -9 up")
    assert fourth.stop(signal.SIGINT) == 0


def test_poll_exit_status_is_1_when_a_source_fails_and_keeps_the_others(env: Env) -> None:
    good = write_jsonl(env.dir / "good.jsonl", 4)
    env.write(sources=_sources(("broken", env.dir / "nope.jsonl", "1h", ""), ("good", good, "1h", "")))
    proc = env.run("poll")
    assert proc.returncode == 1
    assert "broken/acme: FAILED: broken: file not found" in proc.stderr
    assert "good/acme: ok: 4 stored" in proc.stdout
    assert count(env.db) == 4
    assert env.run("poll", "--source", "good").returncode == 0
    bad = env.run("poll", "--brand", "initech")
    assert bad.returncode == 2 and "unknown brand 'initech'" in bad.stderr


def test_env_is_not_leaking_credentials_into_output(env: Env) -> None:
    env.write(sources=_sources(("feed", write_jsonl(env.dir / "f.jsonl", 2), "1h", "")))
    secret = "sk-test-0123456789abcdef"
    proc = env.run("poll", env={**os.environ, "MONITOR_REDDIT_CLIENT_SECRET": secret})
    assert proc.returncode == 0 and secret not in proc.stdout + proc.stderr
