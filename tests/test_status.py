"""`monitor status`: health, circuit, deferral, budgets and look-back warnings, as data and as text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from monitor.config import load_settings
from monitor.status import status_data
from tests.conftest import Env

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _play(env: Env, interval: str = "1d") -> None:
    env.write(
        sources=f'[[sources]]\nname = "play"\ntype = "googleplay"\npackage_name = "com.acme.app"\n'
        f'interval = "{interval}"\nmatch = "scoped"\nbrands = ["acme"]\n'
    )


def test_google_play_gap_longer_than_its_7_day_window_is_warned(env: Env) -> None:
    _play(env)
    store = env.store()
    settings = load_settings(env.config)
    store.record_poll("play", "googleplay", now=NOW - timedelta(days=2))
    (src,) = status_data(settings, store, NOW)["sources"]
    assert src["warnings"] == []
    store.record_poll("play", "googleplay", now=NOW - timedelta(days=9))
    (src,) = status_data(settings, store, NOW)["sources"]
    assert len(src["warnings"]) == 1 and "no successful poll for 9d" in src["warnings"][0]
    assert "7d this API looks back" in src["warnings"][0]


def test_interval_not_shorter_than_the_window_is_warned(env: Env) -> None:
    _play(env, interval="7d")
    (src,) = status_data(load_settings(env.config), env.store(), NOW)["sources"]
    assert any("interval 7d is not shorter" in w for w in src["warnings"])


def test_status_table_shows_circuit_deferral_and_warnings(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    _play(env, interval="8d")
    store = env.store()
    now = datetime.now(UTC)
    for i in range(5):
        store.record_poll(
            "play", "googleplay", now=now, error=f"boom {i}", circuit=lambda _f: now + timedelta(hours=1)
        )
    code, out, _ = env.cli("status", capsys=capsys)
    assert code == 0
    assert "circuit open until" in out and "WARNING: interval 8d" in out and "boom 4" in out
    code, out, _ = env.cli("status", "--format", "json", capsys=capsys)
    data = json.loads(out)
    assert data["sources"][0]["consecutive_failures"] == 5 and data["sources"][0]["circuit_open_until"]


def test_unscored_share_per_language_is_shown(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    src = env.dir / "m.jsonl"
    rows = [
        ("1", "acme is great", "en"),
        ("2", "acme es genial", "es"),
        ("3", "acme es malo", "es"),
        ("4", "acme ist gut", "de"),
    ]
    src.write_text(
        "".join(
            json.dumps(
                {"id": i, "text": t, "lang": lang, "brand": "acme", "created_at": "2026-11-01T10:00:00Z"}
            )
            + "\n"
            for i, t, lang in rows
        )
    )
    assert env.cli("import", str(src), capsys=capsys)[0] == 0
    code, out, _ = env.cli("status", "--format", "json", capsys=capsys)
    langs = json.loads(out)["brands"]["acme"]["languages"]
    assert langs == {
        "es": {"total": 2, "unscored": 2},
        "en": {"total": 1, "unscored": 0},
        "de": {"total": 1, "unscored": 1},
    }
    code, out, _ = env.cli("status", capsys=capsys)
    assert code == 0 and "unscored share" in out and "100%" in out
