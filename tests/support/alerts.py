"""Shared pieces of the alerting tests: settings with [alerts], stored mentions and health, and
an engine over a real store with an injected clock, sending to real local servers."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

from monitor.alerting.engine import AlertEngine, Outcome
from monitor.alerting.store import AlertStore
from monitor.clock import FixedClock
from monitor.config import Settings, load_settings
from monitor.storage.store import Store
from tests.conftest import settings_text
from tests.support.rows import insert_dicts

T0 = datetime(2026, 11, 10, tzinfo=UTC)  # a Tuesday; the tests' "now" starts near here
HOOK_ENV = "MONITOR_TEST_HOOK_URL"
SECRET_PATH = "/hook/T0K3N-s3cr3t-9f8e7d6c5b4a"  # a token in the path, as real webhook URLs have

SOURCES = """
[[sources]]
name = "feed"
type = "file"
path = "feed.jsonl"
interval = "15m"
overlap = "5m"

[[sources]]
name = "reviews"
type = "file"
path = "reviews.csv"
brands = ["acme"]
interval = "1h"
overlap = "5m"
"""

# Small windows so the synthetic histories stay short: one day of warm-up, four days of lookback.
DETECTION = """
[detection]
bucket = "1h"
warmup = "1d"
cooldown = "2h"
seasonality = "none"
"""


def json_target(name: str = "hook", env: str = HOOK_ENV, *, allow_private: bool = True) -> str:
    return textwrap.dedent(f"""
        [[alerts.targets]]
        name = "{name}"
        kind = "json"
        url_env = "{env}"
        allow_private = {"true" if allow_private else "false"}
    """)


def write_settings(
    directory: Path, alerts: str, *, detection: str = DETECTION, sources: str = SOURCES
) -> Settings:
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "settings.toml"
    extra = f'{detection}\n[alerts]\nlookback = "4d"\n{textwrap.dedent(alerts)}'
    text = settings_text(directory / "data" / "monitor.db", sources=sources)
    # [detection] and [alerts] go at the end: settings_text puts `extra` before [storage].
    config.write_text(text + "\n" + extra, encoding="utf-8")
    return load_settings(config)


def mention(
    native_id: str,
    created: datetime,
    *,
    label: str = "neutral",
    brand: str = "acme",
    source_name: str = "feed",
    source: str = "x",
    text: str | None = None,
    url: str | None = None,
    rating: int | None = None,
    reach: int | None = None,
    compound: float | None = None,
) -> dict[str, Any]:
    if compound is None:
        compound = {"negative": -0.6, "positive": 0.6, "neutral": 0.0}.get(label)
    return {
        "source": source,
        "native_id": native_id,
        "brand": brand,
        "source_name": source_name,
        "created_at": created,
        "text": text if text is not None else f"{label} post about {brand}",
        "title": None,
        "url": url,
        "author": None,
        "lang": "en",
        "rating": rating,
        "engagement": None,
        "reach": reach,
        "compound": compound,
        "pos": None,
        "neu": None,
        "neg": None,
        "label": label,
        "scored": label != "unscored",
        "raw": None,
        "extra": None,
        "ingested_at": created,
    }


def hourly(
    start: datetime,
    hours: int,
    *,
    negative: int = 1,
    positive: int = 3,
    neutral: int = 2,
    brand: str = "acme",
    source_name: str = "feed",
    tag: str = "base",
) -> list[dict[str, Any]]:
    """Mentions spread over each hour of [start, start + hours)."""
    rows = []
    for h in range(hours):
        t = start + timedelta(hours=h)
        kinds = ["negative"] * negative + ["positive"] * positive + ["neutral"] * neutral
        for i, label in enumerate(kinds):
            at = t + timedelta(seconds=(i * 3541) % 3600)
            rows.append(
                mention(
                    f"{tag}-{brand}-{t:%Y%m%d%H}-{i}", at, label=label, brand=brand, source_name=source_name
                )
            )
    return rows


@dataclass
class Harness:
    """An engine over a real store, a FixedClock, and a JSON webhook on a local HTTP server."""

    settings: Settings
    store: Store
    server: HTTPServer | None
    clock: FixedClock = field(default_factory=lambda: FixedClock(T0))
    sleeps: list[float] = field(default_factory=list)
    environ: dict[str, str] = field(default_factory=dict)

    def engine(self) -> AlertEngine:
        """A new engine (as after a restart) over the same database."""
        return AlertEngine(
            self.settings, self.store, clock=self.clock, sleep=self.sleeps.append, environ=self.environ
        )

    @property
    def alerts(self) -> AlertStore:
        return AlertStore(self.store)

    def at(self, when: datetime) -> None:
        self.clock.advance(when - self.clock.now())

    def insert(self, rows: Iterable[dict[str, Any]]) -> None:
        rows = list(rows)
        for start in range(0, len(rows), 500):
            insert_dicts(self.store, rows[start : start + 500], now=self.clock.now())

    def polled(self, *names: str, error: str | None = None) -> None:
        """Record a poll of these sources (default: all) at the clock's time."""
        for name in names or tuple(self.settings.sources):
            src = self.settings.sources[name]
            self.store.record_poll(name, src.type, now=self.clock.now(), error=error)

    def step(
        self, engine: AlertEngine, until: datetime, every: timedelta = timedelta(minutes=15)
    ) -> list[Outcome]:
        """Advance the clock in steps, polling every source successfully and evaluating each time."""
        out = []
        while self.clock.now() < until:
            self.clock.advance(every)
            self.polled()
            result = engine.evaluate()
            assert result is not None and not result.errors, result
            out.append(result)
        return out

    def received(self) -> list[dict[str, Any]]:
        """JSON bodies the local webhook accepted, in order."""
        assert self.server is not None
        return [json.loads(req.get_data()) for req, resp in self.server.log if resp.status_code == 200]

    def events(self) -> list[tuple[str, str]]:
        """(event, rule brand/source) of every notification received."""
        return [
            (
                body["alert"]["event"],
                f"{body['alert']['rule']} {body['alert']['brand'] or body['alert']['source']}",
            )
            for body in self.received()
        ]


def hook_env(server: HTTPServer, path: str = SECRET_PATH) -> Mapping[str, str]:
    return {HOOK_ENV: server.url_for(path)}
