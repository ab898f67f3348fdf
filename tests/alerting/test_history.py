"""Historical alerts: the spike rules run over mentions that arrived after their time, recorded as
`historical` (listed and reported, never notified), idempotently, and never twice for an incident
that was seen live."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from monitor.alerting.history import needs_history, record_history
from monitor.alerting.store import AlertStore
from monitor.clock import FixedClock
from monitor.config import load_settings
from monitor.storage import schema
from monitor.storage.store import Store
from tests.alerting.test_backtest import EPISODE, NOW, history
from tests.conftest import Env
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
