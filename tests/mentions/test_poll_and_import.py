"""Polling a file and `monitor import` of the same file store the same rows: both roads run the same
steps (monitor/mentions/steps.py) into the same insert (`Store.insert_mentions`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.clock import FixedClock
from monitor.config import load_settings
from monitor.mentions.pipeline import Poller
from monitor.storage.mention_rows import MENTION_COLUMNS
from tests.conftest import Env

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
ROWS = [
    {"id": "1", "text": "acme is great", "created_at": "2026-11-01T10:00:00Z", "brand": "acme"},
    {"id": "2", "text": "Acme Corp and Globex both", "created_at": "2026-11-01T10:00:00+03:00"},
    {"id": "3", "text": "nothing relevant", "created_at": "2026-11-01T10:00:00Z"},
    {"id": "4", "text": "Crashes on start.", "title": "Terrible update", "rating": 1, "brand": "acme",
     "created_at": "2026-11-02T08:00:00Z", "app_version": "4.2", "url": "https://example.com/4"},
    {"id": "5", "text": "Uygulama çok kötü, sürekli çöküyor", "rating": 2, "brand": "acme",
     "created_at": "2026-11-02T08:00:00Z", "author": "someone"},
    {"id": "6", "text": "", "rating": 5, "created_at": "2026-11-02T08:00:00Z", "brand": "globex"},
    {"id": "7", "text": "globex support was awful!", "created_at": "2026-11-03T08:00:00Z", "lang": "EN-gb",
     "engagement": 12, "reach": 3400, "source": "Reddit"},
    {"id": "8", "text": "素晴らしい acme", "created_at": "2026-11-03T09:00:00Z", "lang": "ja"},
    {"id": "1", "text": "acme is great", "created_at": "2026-11-01T10:00:00Z", "brand": "acme"},
    {"id": "9", "text": "acme hiring now", "created_at": "2026-11-03T10:00:00Z"},
    {"id": "10", "text": "Ich liebe Globex nicht", "created_at": "2026-11-03T11:00:00Z", "brand": "globex"},
]  # fmt: skip
COMPARED = [c for c in MENTION_COLUMNS if c not in ("source_name", "ingested_at")]


def _env(root: Path, feed: Path | None = None) -> Env:
    root.mkdir()
    e = Env(root, root / "settings.toml", root / "data" / "monitor.db")
    sources = f'[[sources]]\nname = "feed"\ntype = "file"\npath = "{feed}"\ninterval = "1m"\n' if feed else ""
    e.write(sources=sources)
    return e


def _stored(env: Env) -> list[tuple]:
    store = env.store()
    try:
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(f"SELECT {', '.join(COMPARED)} FROM mentions").all()
    finally:
        store.close()
    return sorted((tuple(r) for r in rows), key=repr)


def test_a_poll_and_an_import_of_the_same_rows_store_the_same_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "mentions.jsonl"
    feed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8")

    polled = _env(tmp_path / "poll", feed)
    store = polled.store()
    outcomes = Poller(load_settings(polled.config), store, clock=FixedClock(T0)).poll_all()
    store.close()
    assert all(o.ok for o in outcomes) and sum(o.result.stored for o in outcomes) == 10

    imported = _env(tmp_path / "import")
    code, out, _ = imported.cli("import", str(feed), capsys=capsys)
    assert code == 0 and "10 stored" in out

    rows = _stored(polled)
    assert rows == _stored(imported)
    assert len(rows) == 10  # 2 matches both brands, 3 and 9 neither, 1 is repeated
    named = [dict(zip(COMPARED, r, strict=True)) for r in rows]
    by_key = {(r["native_id"], r["brand"]): r for r in named}
    assert by_key[("4", "acme")]["extra"] == '{"app_version": "4.2"}'
    assert by_key[("6", "globex")]["label"] == "positive" and by_key[("6", "globex")]["pos"] is None  # stars
    assert by_key[("8", "acme")]["label"] == "unscored"
