"""Historical alerts: the spike rules run over mentions that arrived after their time, recorded as
`historical` (listed and reported, never notified), idempotently, and never twice for an incident
that was seen live."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.alerting.history import needs_history, record_history
from monitor.alerting.store import AlertStore
from monitor.clock import FixedClock
from monitor.config import load_settings
from monitor.storage import schema
from monitor.storage.store import Store
from tests.alerting.test_backtest import EPISODE, NOW, history
from tests.conftest import MONITOR, ROOT, Env
from tests.support.rows import insert_dicts


def _alerts(store: Store) -> list[sa.RowMapping]:
    with store.atomic(write=False) as conn:
        return list(conn.execute(sa.select(schema.alerts).order_by(schema.alerts.c.id)).mappings())


def _notifications(store: Store) -> int:
    with store.atomic(write=False) as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(schema.notification_log)).scalar_one())


@pytest.fixture
def stored(store: Store) -> Store:
    """The history on both databases (settings come from `env`: the rules need no store)."""
    insert_dicts(store, history(), now=NOW)
    return store


def test_an_incident_in_history_is_recorded_once_as_historical_and_never_sent(
    env: Env, stored: Store
) -> None:
    settings = load_settings(env.config)
    assert needs_history(settings, stored, {"acme": EPISODE}) == {"acme"}  # no rule has judged acme yet
    record_history(settings, stored, ["acme", "globex"], clock=FixedClock(NOW))
    rows = _alerts(stored)
    negative = [r for r in rows if r["rule"] == "negative_spike"]
    assert len(negative) == 1
    (alert,) = negative
    assert alert["historical"] is True and alert["state"] == "resolved" and alert["brand"] == "acme"
    assert alert["started_at"] == EPISODE
    assert EPISODE < alert["resolved_at"] <= NOW
    assert alert["details"]["fired"]["observed"] == 16
    assert all(r["brand"] == "acme" for r in rows)  # globex has no incident
    assert _notifications(stored) == 0

    again = record_history(settings, stored, ["acme"], clock=FixedClock(NOW))
    assert again == len(rows)
    assert [(r["rule"], r["started_at"], r["resolved_at"]) for r in _alerts(stored)] == [
        (r["rule"], r["started_at"], r["resolved_at"]) for r in rows
    ]


def test_an_incident_seen_live_is_not_recorded_again(env: Env, stored: Store) -> None:
    settings = load_settings(env.config)
    (rule,) = [r for r in settings.alerts.rules if r.kind == "negative_spike"]
    alerts = AlertStore(stored)
    with stored.atomic() as conn:
        alerts.insert_alert(
            conn,
            rule.labels(brand="acme"),
            state="resolved",
            started_at=EPISODE,
            resolved_at=EPISODE + timedelta(hours=3),
            details={},
        )
    record_history(settings, stored, ["acme"], clock=FixedClock(NOW))
    negative = [r for r in _alerts(stored) if r["rule"] == "negative_spike"]
    assert [r["historical"] for r in negative] == [False]


def test_mentions_newer_than_what_the_rules_judged_need_no_history(env: Env, stored: Store) -> None:
    from monitor.alerting.engine import STATE_PREFIX

    settings = load_settings(env.config)
    judged = NOW.replace(minute=0) - timedelta(hours=1)
    alerts = AlertStore(stored)
    with stored.atomic() as conn:
        for rule in settings.alerts.rules:
            if rule.params is not None:
                key = STATE_PREFIX + rule.labels(brand="acme").fingerprint
                alerts.put_state(conn, key, {"judged": judged.isoformat()}, NOW)
    assert needs_history(settings, stored, {"acme": judged + timedelta(hours=1)}) == set()
    assert needs_history(settings, stored, {"acme": judged}) == {"acme"}  # inside the judged bucket
    assert needs_history(settings, stored, {"acme": EPISODE}) == {"acme"}


def test_alerts_json_lists_historical_alerts(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    stored = env.store()
    insert_dicts(stored, history(), now=NOW)
    record_history(load_settings(env.config), stored, ["acme"], clock=FixedClock(NOW))
    code, out, err = env.cli("alerts", "--format", "json", capsys=capsys)
    assert code == 0, err
    listed = json.loads(out)["alerts"]
    assert len(listed) == len(_alerts(stored)) >= 1
    first = next(a for a in listed if a["rule"] == "negative_spike")
    assert first["historical"] is True and first["brand"] == "acme"
    assert first["started_at"] == EPISODE.isoformat() and first["started_at"].endswith("+00:00")
    assert first["resolved_at"] is not None
    code, out, _ = env.cli("alerts", "--format", "json", "--since", NOW.isoformat(), capsys=capsys)
    assert json.loads(out)["alerts"] == []
    code, out, _ = env.cli("alerts", "--format", "json", "--limit", "0", capsys=capsys)
    assert json.loads(out)["alerts"] == []
    code, _, err = env.cli("alerts", "--since", "yesterday", capsys=capsys)
    assert code == 2 and "--since" in err and err.count("\n") == 1
    stored.close()


# -- the bundled example: an outage from 2026-11-04T09:00Z, fixed 17:00Z, over 2026-11-06T03:00Z ------


def _bundled_example(tmp: Path) -> Path:
    """The bundled settings.toml, its database in `tmp` and its files read from the checkout."""
    text = (ROOT / "settings.toml").read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///data/monitor.db"', f'url = "sqlite:///{tmp / "monitor.db"}"')
    text = text.replace('path = "examples/', f'path = "{ROOT}/examples/')
    config = tmp / "settings.toml"
    config.write_text(text, encoding="utf-8")
    return config


def _outage_alert(alerts: list[dict]) -> dict:
    (alert,) = [a for a in alerts if a["brand"] == "acme" and a["rule"] == "negative_spike"]
    assert alert["historical"] is True
    started, resolved = (
        datetime.fromisoformat(alert["started_at"]),
        datetime.fromisoformat(alert["resolved_at"]),
    )
    assert datetime(2026, 11, 4, 9, tzinfo=UTC) <= started <= datetime(2026, 11, 4, 11, tzinfo=UTC)
    assert resolved > datetime(2026, 11, 5, 12, tzinfo=UTC)  # still firing then (the fix ships 17:00Z)
    return alert


def test_a_later_poll_of_the_example_records_its_outage_and_the_w45_report_lists_it(tmp_path: Path) -> None:
    faketime = shutil.which("faketime")
    if faketime is None:
        pytest.fail("faketime not found: apt-get install faketime (.ci/run installs it)", pytrace=False)
    config = _bundled_example(tmp_path)
    poll = subprocess.run(
        [faketime, "2027-03-01 12:00:00", MONITOR, "--config", str(config), "poll"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env={**os.environ, "TZ": "UTC"},
    )  # fmt: skip
    assert poll.returncode == 0, poll.stderr
    assert "historical alert(s)" in poll.stdout
    listed = subprocess.run(
        [MONITOR, "--config", str(config), "alerts", "--format", "json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=True,
    )  # fmt: skip
    alerts = json.loads(listed.stdout)["alerts"]
    _outage_alert(alerts)
    assert all(a["historical"] for a in alerts)
    out = tmp_path / "reports"
    subprocess.run(
        [MONITOR, "--config", str(config), "report", "--week", "2026-W45", "--format", "json",
         "--output", str(out)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, check=True,
    )  # fmt: skip
    (report,) = out.glob("*.json")
    doc = json.loads(report.read_text(encoding="utf-8"))
    reported = [a for a in _alerts_in(doc) if a["rule"] == "negative_spike"]
    assert reported and all(a["historical"] is True for a in reported)


def _alerts_in(doc: object) -> list[dict]:
    """Every alert object anywhere in a report document."""
    found: list[dict] = []
    if isinstance(doc, dict):
        if "rule" in doc and "historical" in doc:
            found.append(doc)
        for value in doc.values():
            found += _alerts_in(value)
    elif isinstance(doc, list):
        for value in doc:
            found += _alerts_in(value)
    return found


def test_an_import_of_the_example_records_its_outage_once(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("social.jsonl", "reviews.csv"):
        code, out, err = env.cli("import", str(ROOT / "examples" / "acme" / name), capsys=capsys)
        assert code == 0, err
    code, out, _ = env.cli("alerts", "--format", "json", capsys=capsys)
    first = json.loads(out)["alerts"]
    _outage_alert(first)
    # The same file again stores nothing new, and records the same alerts, not a second set.
    code, _, err = env.cli("import", str(ROOT / "examples" / "acme" / "social.jsonl"), capsys=capsys)
    assert code == 0, err
    code, out, _ = env.cli("alerts", "--format", "json", capsys=capsys)
    again = json.loads(out)["alerts"]
    assert [(a["rule"], a["brand"], a["started_at"]) for a in again] == [
        (a["rule"], a["brand"], a["started_at"]) for a in first
    ]


def test_weeks_of_silence_after_the_history_change_nothing(env: Env, stored: Store) -> None:
    """The backtest stops judging two days after the newest mention: run weeks later, it records
    the same episodes as right after the history."""
    settings = load_settings(env.config)
    record_history(settings, stored, ["acme"], clock=FixedClock(NOW))
    soon = [(r["rule"], r["started_at"], r["resolved_at"]) for r in _alerts(stored)]
    record_history(settings, stored, ["acme"], clock=FixedClock(NOW + timedelta(days=60)))
    assert [(r["rule"], r["started_at"], r["resolved_at"]) for r in _alerts(stored)] == soon
    assert soon
