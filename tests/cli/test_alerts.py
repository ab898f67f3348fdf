"""`monitor alerts` (listing, silence, unsilence, test) and the daemon's alerting: after the first
poll cycle on the bundled example data it notifies only what is wrong now."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import textwrap
import time
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer

from monitor.alerting.engine import AlertEngine
from monitor.clock import FixedClock
from monitor.config import load_settings
from tests.conftest import MONITOR, ROOT, Env

TARGET = """
[[alerts.targets]]
name = "hook"
kind = "json"
url_env = "MONITOR_TEST_HOOK"
allow_private = true
"""
PATH = "/in/T0K3N-cl1-s3cr3t"


def write(env: Env, alerts: str = "", sources: str = "") -> None:
    env.write(sources=sources)
    env.config.write_text(env.config.read_text() + "\n" + textwrap.dedent(alerts), encoding="utf-8")


def test_listing_when_nothing_happened(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = env.cli("alerts", capsys=capsys)
    assert code == 0
    assert "alerts: none recorded" in out and "silences: none active" in out
    assert "targets: none configured (alerts are recorded, not sent)" in out


def test_silence_list_and_unsilence(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = env.cli(
        "alerts",
        "silence",
        "--brand",
        "acme",
        "--rule",
        "negative_spike",
        "--for",
        "2h",
        "--comment",
        "deploy \x1b[31mred\x1b[0m [bold]x[/bold]",
        capsys=capsys,
    )
    assert code == 0, err
    assert out.startswith("silence #1: brand=acme, rule=negative_spike until ") and "(2h)" in out
    code, out, _ = env.cli("alerts", capsys=capsys)
    assert "active silences" in out and "deploy red [bold]x[/bold]" in out and "\x1b" not in out
    code, out, _ = env.cli("alerts", "--format", "json", capsys=capsys)
    data = json.loads(out)
    (s,) = data["silences"]
    assert (s["id"], s["brand"], s["rule"], s["source"]) == (1, "acme", "negative_spike", None)
    ends = datetime.fromisoformat(s["ends_at"]) - datetime.fromisoformat(s["starts_at"])
    assert ends == timedelta(hours=2)
    code, out, _ = env.cli("alerts", "unsilence", "1", capsys=capsys)
    assert code == 0 and out.strip() == "silence #1 ended"
    code, out, _ = env.cli("alerts", "--format", "json", capsys=capsys)
    assert json.loads(out)["silences"] == []
    code, out, _ = env.cli("alerts", "unsilence", "1", capsys=capsys)
    assert out.strip() == "silence #1 had already ended"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--for", "2h"], "give at least one of --brand, --rule, --source"),
        (["--brand", "initech", "--for", "2h"], "unknown brand 'initech' (configured: acme, globex)"),
        (
            ["--rule", "nope", "--for", "2h"],
            "unknown rule 'nope' (configured: connector_down, negative_share,",
        ),
        (["--source", "nope", "--for", "2h"], "unknown source 'nope'"),
        (["--brand", "acme", "--for", "soon"], '--for: expected a duration like "15m", got "soon"'),
    ],
)
def test_silence_mistakes_are_one_line(env: Env, capsys: pytest.CaptureFixture[str], args, message) -> None:
    code, _, err = env.cli("alerts", "silence", *args, capsys=capsys)
    assert code == 2 and err.startswith(f"monitor: {message}") and err.count("\n") == 1, err


def test_unsilence_unknown_id(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = env.cli("alerts", "unsilence", "42", capsys=capsys)
    assert code == 2 and err.strip() == "monitor: no silence #42"


def test_listing_shows_alerts_with_hostile_error_text_as_plain_text(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        env,
        '[[alerts.rules]]\nname = "down"\nkind = "connector_down"\nfailures = 1\n',
        sources='[[sources]]\nname = "feed"\ntype = "file"\npath = "feed.jsonl"\n',
    )
    settings = load_settings(env.config)
    store = env.store()
    now = datetime.now(UTC)
    store.record_poll(
        "feed", "file", now=now, error="HTTP 500: \x1b]0;pwned\x07\x1b[2J<h1>[red]oops[/red]</h1>"
    )
    AlertEngine(settings, store, clock=FixedClock(now)).evaluate()
    store.close()
    code, out, _ = env.cli("alerts", capsys=capsys)
    assert code == 0
    assert "firing" in out and "down (connector_down)" in out and "feed" in out
    assert "[red]oops[/red]" in out and "\x1b" not in out and "\x07" not in out
    code, out, _ = env.cli("alerts", "--format", "json", capsys=capsys)
    (a,) = json.loads(out)["alerts"]
    assert (
        a["state"] == "firing" and a["source"] == "feed" and a["summary"].startswith("1 consecutive failures")
    )
    assert {r["name"] for r in json.loads(out)["rules"]} == {"down"}


def test_alerts_test_sends_to_each_target(
    env: Env, capsys: pytest.CaptureFixture[str], httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request(PATH, method="POST").respond_with_data("ok")
    write(
        env, TARGET + TARGET.replace('"hook"', '"nowhere"').replace("MONITOR_TEST_HOOK", "MONITOR_UNSET_HOOK")
    )
    monkeypatch.setenv("MONITOR_TEST_HOOK", httpserver.url_for(PATH))
    monkeypatch.delenv("MONITOR_UNSET_HOOK", raising=False)
    code, out, err = env.cli("alerts", "test", capsys=capsys)
    assert code == 1
    assert out.strip() == "hook: sent (1 attempt)"
    assert (
        "nowhere: FAILED: alerts.targets[1]: target 'nowhere' needs its URL in the environment variable"
        in err
    )
    body = json.loads(httpserver.log[0][0].get_data())
    assert body["title"] == "[TEST] brand sentiment monitor" and body["alert"]["event"] == "test"
    code, out, _ = env.cli("alerts", "test", "--target", "hook", capsys=capsys)
    assert code == 0 and len(httpserver.log) == 2
    code, _, err = env.cli("alerts", "test", "--target", "ops", capsys=capsys)
    assert code == 2 and "unknown target 'ops' (configured: hook, nowhere)" in err


@pytest.mark.slow
def test_daemon_notifies_what_is_wrong_now_and_not_the_example_history(
    env: Env, httpserver: HTTPServer
) -> None:
    """`monitor run` on the bundled example data plus a broken source: the first cycle stores six
    weeks (with the outage of 2026-11-04), then the timer evaluates once: the only notification is
    the broken source; the spikes of the history are recorded as historical alerts, never sent."""
    httpserver.expect_request(PATH, method="POST").respond_with_data("ok")
    shutil.copytree(ROOT / "examples", env.dir / "examples")
    sources = textwrap.dedent("""
        [[sources]]
        name = "example-social"
        type = "file"
        path = "examples/acme/social.jsonl"
        interval = "15m"

        [[sources]]
        name = "example-reviews"
        type = "file"
        path = "examples/acme/reviews.csv"
        interval = "1h"
        match = "scoped"

        [[sources]]
        name = "broken"
        type = "file"
        path = "does-not-exist.jsonl"
        interval = "1h"
        brands = ["globex"]
    """)
    rules = TARGET + textwrap.dedent("""
        [[alerts.rules]]
        name = "neg"
        kind = "negative_spike"

        [[alerts.rules]]
        name = "share"
        kind = "negative_share"

        [[alerts.rules]]
        name = "down"
        kind = "connector_down"
        failures = 1
    """)
    write(env, rules, sources=sources)
    out = env.dir / "daemon.out"
    with out.open("w") as fh:
        proc = subprocess.Popen(
            [MONITOR, "--config", str(env.config), "run"],
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=env.dir,
            env={**os.environ, "MONITOR_TEST_HOOK": httpserver.url_for(PATH)},
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and not httpserver.log:
                time.sleep(0.2)
            time.sleep(3)  # time for anything else it would (wrongly) send
        finally:
            proc.terminate()
            assert proc.wait(timeout=30) == 0
    text = out.read_text()
    assert "alerts: 3 rules, targets hook; evaluated after each poll and every 1m" in text, text
    bodies = [json.loads(req.get_data()) for req, _ in httpserver.log]
    assert [(b["alert"]["event"], b["alert"]["rule"], b["alert"]["source"]) for b in bodies] == [
        ("firing", "down", "broken")
    ]
    with sqlite3.connect(env.db) as conn:
        live = conn.execute("SELECT rule, state FROM alerts WHERE NOT historical ORDER BY id").fetchall()
        history = conn.execute("SELECT rule, brand, started_at FROM alerts WHERE historical").fetchall()
        log = conn.execute("SELECT event, target, status FROM notification_log").fetchall()
    assert live == [("down", "firing")]
    # The outage of the history is recorded as historical (listed, reported), and never sent.
    assert ("neg", "acme") in {(rule, brand) for rule, brand, _ in history}
    assert all(started.startswith("2026-11-04") for rule, brand, started in history if brand == "acme")
    assert log == [("firing", "hook", "sent")]
    assert PATH not in text and "T0K3N" not in text
