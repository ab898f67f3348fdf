"""`monitor backtest`: the CSV form (table, JSON, bad rows), the stored-mentions form on SQLite and
PostgreSQL, and the bundled example data (the negative rules fire on acme's outage and nowhere else)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from analysis.spikes.params import SpikeParams
from monitor.alerting.backtest import backtest_store
from monitor.clock import FixedClock
from monitor.storage.store import Store
from tests.alerting.test_series import mention
from tests.conftest import ROOT, Env
from tests.support.rows import insert_dicts

FIVE_MIN = timedelta(minutes=5)
START = datetime(2015, 3, 2, 0, 2, 53)  # naive: UTC, written like NAB's files


def write_series(path: Path, values: np.ndarray, stamp: str = "%Y-%m-%d %H:%M:%S") -> list[str]:
    stamps = [(START + i * FIVE_MIN).strftime(stamp) for i in range(len(values))]
    lines = ["timestamp,value", *(f"{s},{int(v)}" for s, v in zip(stamps, values, strict=True))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return stamps


def spiky(seed: int = 1) -> tuple[np.ndarray, int]:
    values = np.random.default_rng(seed).poisson(30, 12 * 24 * 6).astype(float)
    at = 12 * 24 * 4 + 100
    values[at : at + 6] = [150, 220, 260, 200, 160, 120]
    return values, at


def test_csv_json_has_one_alert_per_episode_with_timestamps_as_given(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    values, at = spiky()
    stamps = write_series(env.dir / "series.csv", values)
    code, out, err = env.cli("backtest", str(env.dir / "series.csv"), "--format", "json", capsys=capsys)
    assert code == 0, err
    alerts = json.loads(out)["alerts"]
    assert len(alerts) == 1
    (alert,) = alerts
    assert set(alert) == {"timestamp", "observed", "expected", "score"}
    assert alert["timestamp"] in stamps[at : at + 3]
    assert alert["timestamp"] == stamps[stamps.index(alert["timestamp"])]  # verbatim, no "T", no offset
    assert isinstance(alert["observed"], int) and alert["observed"] >= 150
    assert 20 < alert["expected"] < 45
    assert alert["score"] >= SpikeParams().fire_z(timedelta(minutes=5))


def test_csv_timestamps_with_offsets_are_kept_verbatim(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    values, at = spiky(2)
    stamps = write_series(env.dir / "s.csv", values, stamp="%Y-%m-%dT%H:%M:%S+03:00")
    code, out, _ = env.cli("backtest", str(env.dir / "s.csv"), "--format", "json", capsys=capsys)
    assert code == 0
    assert [a["timestamp"] for a in json.loads(out)["alerts"]] == [stamps[at]]


def test_csv_quiet_series_has_no_alerts(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    write_series(env.dir / "quiet.csv", np.random.default_rng(3).poisson(30, 12 * 24 * 6))
    code, out, _ = env.cli("backtest", str(env.dir / "quiet.csv"), "--format", "json", capsys=capsys)
    assert code == 0
    assert json.loads(out) == {"alerts": []}


def test_csv_table(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    values, at = spiky()
    stamps = write_series(env.dir / "series.csv", values)
    code, out, _ = env.cli("backtest", str(env.dir / "series.csv"), capsys=capsys)
    assert code == 0
    assert "series.csv: volume_spike: 1 alert over 1,728 buckets" in out
    row = next(line for line in out.splitlines() if stamps[at] in line or stamps[at + 1] in line)
    assert "z " in row and " over " in row
    assert "\x1b" not in out  # plain text when not a terminal


def test_settings_parameters_are_used(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    values, _ = spiky()
    write_series(env.dir / "series.csv", values)
    env.write(extra="[detection]\nmin_count = 5000\n")  # more mentions than the spike has
    code, out, err = env.cli("backtest", str(env.dir / "series.csv"), "--format", "json", capsys=capsys)
    assert code == 0, err
    assert json.loads(out) == {"alerts": []}


@pytest.mark.parametrize(
    ("content", "where", "message"),
    [
        ("", ":1:", "empty file"),
        ("time,count\n2015-03-02 00:00:00,1\n", ":1:", "timestamp,value"),
        ("timestamp,value\n2015-03-02 00:00:00,1\n2015-03-02 00:05:00,1\nsoon,3\n", ":4:", "ISO 8601"),
        ("timestamp,value\n2015-03-02 00:00:00,1\n2015-03-02 00:05:00,many\n", ":3:", "not a number"),
        ("timestamp,value\n2015-03-02 00:00:00,-1\n", ":2:", ">= 0"),
        ("timestamp,value\n2015-03-02 00:00:00,nan\n", ":2:", "finite"),
        ("timestamp,value\n2015-03-02 00:05:00,1\n2015-03-02 00:00:00,1\n", ":3:", "must increase"),
        ("timestamp,value\n2015-03-02 00:00:00,1,7\n", ":2:", "expected 2 fields"),
        ("timestamp,value\n", ":2:", "no rows"),
        ('timestamp,value\n"2015-03-02 00:00:00,1\n', ":2:", ""),
    ],
)
def test_bad_csv_is_one_line_with_file_and_line(
    env: Env, capsys: pytest.CaptureFixture[str], content: str, where: str, message: str
) -> None:
    path = env.dir / "bad.csv"
    path.write_text(content, encoding="utf-8")
    code, out, err = env.cli("backtest", str(path), capsys=capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{path}{where}" in err and message in err


def test_missing_file_and_bad_arguments(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = env.cli("backtest", str(env.dir / "nope.csv"), capsys=capsys)
    assert code == 2 and "nope.csv" in err and err.count("\n") == 1
    code, _, err = env.cli("backtest", capsys=capsys)
    assert code == 2 and "SERIES.csv or --brand" in err
    code, _, err = env.cli("backtest", "--brand", "nobody", capsys=capsys)
    assert code == 2 and "unknown brand 'nobody'" in err
    code, _, err = env.cli("backtest", "--brand", "acme", "--until", "tomorrow", capsys=capsys)
    assert code == 2 and "--until" in err


# -- stored mentions -----------------------------------------------------------------------------

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
EPISODE = datetime(2026, 11, 17, 14, 0, tzinfo=UTC)


def history(seed: int = 5) -> list[dict]:
    """12 days of hourly mentions: about 8 an hour, 1-2 of them negative; an outage hour of 16 negatives."""
    rng = np.random.default_rng(seed)
    rows = []
    start = NOW.replace(minute=0) - timedelta(days=12)
    for h in range(12 * 24):
        t = start + timedelta(hours=h)
        negatives = 16 if t in (EPISODE, EPISODE + timedelta(hours=1)) else rng.poisson(1.2)
        for i in range(rng.poisson(7)):
            rows.append(mention(f"p{h}-{i}", t + timedelta(minutes=int(rng.integers(60))), label="positive"))
        for i in range(negatives):
            rows.append(mention(f"n{h}-{i}", t + timedelta(minutes=int(rng.integers(60))), label="negative"))
    return rows


def test_store_backtest_on_both_databases(store: Store) -> None:
    insert_dicts(store, history(), now=NOW)
    params = SpikeParams()
    kw = {"days": 10, "bucket": timedelta(hours=1), "params": params, "tz": ZoneInfo("Europe/Istanbul")}
    alerts, buckets = backtest_store(store, "acme", "negative_spike", clock=FixedClock(NOW), **kw)
    assert buckets == 240  # 10 days of closed hourly buckets; the open one (12:00) is not judged
    # The episode is covered by an alert: one starting at it, or one still firing across it (a
    # budget of 0.5 false alerts a week may raise one on the day before, which then stays up).
    assert 1 <= len(alerts) <= 2
    episode = alerts[-1]
    assert episode.timestamp <= "2026-11-17T14:00:00Z" and (episode.resolved or "~") > "2026-11-17T15"
    assert episode.resolved is not None
    share, _ = backtest_store(store, "acme", "negative_share", clock=FixedClock(NOW), **kw)
    assert 1 <= len(share) <= 2 and share[-1].timestamp <= "2026-11-17T15"
    assert share[0].statistic.startswith("binomial p=")
    other, _ = backtest_store(store, "globex", "negative_spike", clock=FixedClock(NOW), **kw)
    assert other == []


def test_store_backtest_cli(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    store = env.store()
    try:
        insert_dicts(store, history(), now=NOW)
    finally:
        store.close()
    args = ["backtest", "--brand", "acme", "--rule", "negative_spike", "--days", "10"]
    code, out, err = env.cli(*args, "--until", NOW.isoformat(), "--format", "json", capsys=capsys)
    assert code == 0, err
    alerts = json.loads(out)["alerts"]
    assert 1 <= len(alerts) <= 2 and alerts[-1]["timestamp"] <= "2026-11-17T14:00:00Z"
    code, out, _ = env.cli(*args, "--until", NOW.isoformat(), capsys=capsys)
    assert code == 0 and "acme: negative_spike: " in out and " over 240 buckets" in out
    # Before the episode there is nothing to report.
    code, out, _ = env.cli(*args, "--until", "2026-11-16T00:00:00Z", "--format", "json", capsys=capsys)
    assert all(a["timestamp"] < "2026-11-16" for a in json.loads(out)["alerts"])


# -- the bundled example data (examples/README.md, "The story") ---------------------------------

OUTAGE = (pd.Timestamp("2026-11-04T09:00Z"), pd.Timestamp("2026-11-06T03:00Z"))
RELEASE_DAY = pd.Timestamp("2026-10-27").date()  # globex 9.4, a happy day


@pytest.fixture(scope="module")
def example_env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    from monitor.cli import run_main

    tmp = tmp_path_factory.mktemp("example")
    env = Env(tmp, tmp / "settings.toml", tmp / "data" / "monitor.db")
    env.write()
    for name in ("social.jsonl", "reviews.csv"):
        code = run_main(["--config", str(env.config), "import", str(ROOT / "examples" / "acme" / name)])
        assert code == 0
    return env


def example_alerts(env: Env, capsys: pytest.CaptureFixture[str], brand: str, rule: str) -> list[dict]:
    code, out, err = env.cli(
        "backtest", "--brand", brand, "--rule", rule, "--days", "45",
        "--until", "2026-11-23T00:00:00Z", "--format", "json", capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    return json.loads(out)["alerts"]


@pytest.mark.parametrize("rule", ["negative_spike", "negative_share"])
def test_example_acme_negative_rules_fire_once_at_the_outage(
    example_env: Env, capsys: pytest.CaptureFixture[str], rule: str
) -> None:
    alerts = example_alerts(example_env, capsys, "acme", rule)
    assert len(alerts) == 1, alerts
    fired = pd.Timestamp(alerts[0]["timestamp"])
    # At the start of the outage: within its first six hours.
    assert OUTAGE[0] <= fired <= OUTAGE[0] + pd.Timedelta(hours=6)


def test_example_acme_negative_spike_follows_the_outage(example_env: Env) -> None:
    """The outage runs 2026-11-04T09:00Z to 2026-11-06T03:00Z (the fix ships at 17:00Z on the 4th
    and mentions calm overnight): one alert, starting in its first two hours, still firing the
    next day at noon."""
    store = example_env.store()
    try:
        alerts, _ = backtest_store(
            store, "acme", "negative_spike", days=45, bucket=timedelta(hours=1), params=SpikeParams(),
            tz=ZoneInfo("Europe/Istanbul"), clock=FixedClock(datetime(2026, 11, 23, tzinfo=UTC)),
        )  # fmt: skip
    finally:
        store.close()
    (alert,) = alerts
    fired = pd.Timestamp(alert.timestamp)
    assert pd.Timestamp("2026-11-04T09:00Z") <= fired <= pd.Timestamp("2026-11-04T11:00Z")
    assert alert.resolved is None or pd.Timestamp(alert.resolved) > pd.Timestamp("2026-11-05T12:00Z")


@pytest.mark.parametrize("rule", ["negative_spike", "negative_share"])
def test_example_globex_negative_rules_never_fire(
    example_env: Env, capsys: pytest.CaptureFixture[str], rule: str
) -> None:
    # Including 2026-10-27, globex's release day: many more mentions, but happy ones.
    assert example_alerts(example_env, capsys, "globex", rule) == []


def test_example_globex_volume_on_release_day(example_env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    # The release day doubles globex's volume (77 mentions instead of ~41), but spread over the
    # day: 2-3 extra an hour, which hourly buckets do not call a spike. If the volume rule ever
    # fires for globex, it may only be on that day.
    alerts = example_alerts(example_env, capsys, "globex", "volume_spike")
    istanbul = ZoneInfo("Europe/Istanbul")
    assert all(pd.Timestamp(a["timestamp"]).tz_convert(istanbul).date() == RELEASE_DAY for a in alerts)


# -- the [detection] section of settings.toml --------------------------------------------------


def test_detection_defaults_are_the_detector_defaults(env: Env) -> None:
    from monitor.config import load_settings

    settings = load_settings(env.config)
    assert settings.detection.bucket == timedelta(hours=1)
    assert settings.detection.to_params() == SpikeParams()


def test_detection_settings_are_read(env: Env) -> None:
    from monitor.config import load_settings

    env.write(
        extra='[detection]\nbucket = "15m"\nthreshold = 5.5\nresolve = 1\nmin_count = 3\nwarmup = "0s"\n'
        'cooldown = "6h"\nhalflife = "1d"\nseasonality = "daily"\nspans = ["1h", "6h"]\ntail_window = "28d"\n'
        "false_alerts_per_week = 2\n"
    )
    settings = load_settings(env.config)
    params = settings.detection.to_params()
    assert settings.detection.bucket == timedelta(minutes=15)
    assert (params.threshold, params.resolve, params.min_count) == (5.5, 1.0, 3)
    assert (params.warmup, params.cooldown, params.halflife) == (
        timedelta(0),
        timedelta(hours=6),
        timedelta(days=1),
    )
    assert (params.seasonality, params.spans, params.tail_window) == (
        "daily",
        (timedelta(hours=1), timedelta(hours=6)),
        timedelta(days=28),
    )
    assert params.false_alerts_per_week == 2


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('bucket = "soon"', 'detection.bucket: expected a duration like "15m", got "soon"'),
        ("threshold = 3\nresolve = 3", "detection: resolve (3.0) must be below threshold (3.0)"),
        ("min_count = -1", "detection.min_count: input should be greater than or equal to 0"),
        ('seasonality = "monthly"', "detection.seasonality: input should be 'none', 'daily' or 'weekly'"),
        ("treshold = 4", "detection.treshold: unknown setting"),
        ('bucket = "1.5s"', "detection: bucket must be a whole number of seconds"),
    ],
)
def test_detection_mistakes_are_one_line_naming_the_setting(
    env: Env, capsys: pytest.CaptureFixture[str], section: str, message: str
) -> None:
    env.write(extra=f"[detection]\n{section}\n")
    code, _, err = env.cli("backtest", "x.csv", capsys=capsys)
    assert code == 2
    assert err.count("\n") == 1 and message in err and str(env.config) in err
