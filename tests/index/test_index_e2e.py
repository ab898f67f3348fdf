"""End to end: mentions, survey CSVs and customer counts in through the CLI, `monitor index --format
json` out, compared with values recomputed here from the raw rows (VADER labels, stars, shares,
Wilson intervals written out again below, not the code under test). Also: carry-forward across a
week without surveys, renormalization for a brand without surveys, "no data", snapshots and the
index rules on them, the daemon's first-cycle index, business_metrics, and the bundled example data."""

from __future__ import annotations

import csv
import json
import math
import statistics
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from rich.console import Console
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from analysis.index_rules import index_drop
from monitor.clock import FixedClock
from monitor.config import load_settings
from monitor.index.business import business_metrics
from monitor.index.calculator import load_snapshots
from monitor.index.jobs import first_cycle_index, refresh
from monitor.storage import schema
from tests.conftest import ROOT, Env

IST = ZoneInfo("Europe/Istanbul")
WEIGHTS = {"sentiment": 0.25, "reviews": 0.15, "csat": 0.20, "nps": 0.20, "ces": 0.10, "retention": 0.10}
W45, W46 = date(2026, 11, 2), date(2026, 11, 9)  # Mondays, Istanbul

W45_STARS = [2, 3, 3, 4, 2]
POSITIVE = ["I love acme, it is wonderful", "acme is great and I am happy", "Really excellent work by acme"]
NEGATIVE = ["acme is terrible and broken", "I hate acme, awful app"]
NEUTRAL = ["acme version 4 is out today", "Does acme work on a tablet?"]


def at(day: date, hour: int) -> str:
    """Local Istanbul time as the UTC ISO string the files carry."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=IST).astimezone(UTC).isoformat()


def mention_rows() -> list[dict]:
    rows: list[dict] = []

    def add(brand: str, text: str, when: str, rating: str = "", lang: str = "en") -> None:
        rows.append(
            {
                "id": f"m{len(rows)}",
                "brand": brand,
                "text": text,
                "created_at": when,
                "rating": rating,
                "lang": lang,
            }
        )

    # W45
    for t in [*POSITIVE, NEGATIVE[0], NEUTRAL[0]]:
        add("acme", t, at(W45 + timedelta(days=2), 14))
    add("acme", NEGATIVE[1], "2026-11-08T20:30:00Z")  # Sunday 23:30 in Istanbul: still W45
    for stars in W45_STARS:
        add("acme", "a review", at(W45 + timedelta(days=3), 10), rating=str(stars))
    # W46
    add("acme", POSITIVE[0], "2026-11-08T21:30:00Z")  # Monday 00:30 in Istanbul: W46
    for t in [*POSITIVE, *POSITIVE[:1], NEGATIVE[0], *NEUTRAL]:
        add("acme", t, at(W46 + timedelta(days=1), 15))
    add("acme", "acme uygulaması çok güzel ve hızlı", at(W46 + timedelta(days=1), 16), lang="tr")  # unscored
    for stars in ("5", "4", "4", "1", "3"):
        add("acme", "a review", at(W46 + timedelta(days=2), 9), rating=stars)
    for t in [POSITIVE[0], POSITIVE[1], NEGATIVE[0], NEGATIVE[1], NEUTRAL[0]]:
        add("globex", t.replace("acme", "globex"), at(W46 + timedelta(days=4), 12))
    return rows


CSAT_W46 = [5, 5, 4, 4, 3, 2, 5, 4]
NPS_W45 = [10, 9, 6, 8, 3]
NPS_W46 = [10, 10, 9, 7, 8, 2, 0, 9, 9, 10]
CES_W46 = [6, 7, 5, 7, 6]  # 1-7, made it easy
CUSTOMERS = [(W45, 1000, 1010, 40, 2.0), (W46, 1010, 1015, 25, 2.2)]  # S, E, N, margin


def survey_csv(path: Path, scores: list[int], day: date, prefix: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["respondent_id", "submitted_at", "score", "comment"])
        for i, s in enumerate(scores):
            w.writerow(
                [f"{prefix}{i}", at(day + timedelta(days=i % 7), 13), s, "Great, thanks" if s > 8 else ""]
            )
    return path


@pytest.fixture
def loaded(env: Env, capsys: pytest.CaptureFixture[str]) -> Env:
    env.write(extra='[surveys]\nces_scale = "1-7"\n')
    m = env.dir / "mentions.csv"
    with m.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "brand", "text", "created_at", "rating", "lang"])
        w.writeheader()
        w.writerows(mention_rows())
    assert env.cli("import", str(m), capsys=capsys)[0] == 0
    nps_file = survey_csv(env.dir / "nps.csv", NPS_W45, W45, "p")
    with nps_file.open("a", encoding="utf-8", newline="") as fh:
        for i, s in enumerate(NPS_W46):
            fh.write(f"q{i},{at(W46 + timedelta(days=i % 7), 13)},{s},\r\n")
    for args in (
        ("surveys", "import", str(survey_csv(env.dir / "csat.csv", CSAT_W46, W46, "c")), "--metric", "csat"),
        ("surveys", "import", str(nps_file), "--metric", "nps"),
        ("surveys", "import", str(survey_csv(env.dir / "ces.csv", CES_W46, W46, "e")), "--metric", "ces"),
    ):
        code, out, err = env.cli(*args, "--brand", "acme", capsys=capsys)
        assert code == 0 and "0 rejected" in out, err
    cust = env.dir / "customers.csv"
    cust.write_text(
        "period_start,customers_start,customers_end,new_customers,avg_margin\n"
        + "".join(f"{d},{s},{e},{n},{m}\n" for d, s, e, n, m in CUSTOMERS),
        encoding="utf-8",
    )
    assert env.cli("customers", "import", str(cust), "--brand", "acme", capsys=capsys)[0] == 0
    return env


# -- the expected numbers, recomputed from the rows above ------------------------------------------


def wilson_pct(k: int, n: int) -> tuple[float, float]:
    z = 1.96
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return 100 * (centre - half), 100 * (centre + half)


def local_week(iso: str) -> date:
    d = datetime.fromisoformat(iso).astimezone(IST).date()
    return d - timedelta(days=d.weekday())


def expected_sentiment(brand: str, week: date) -> tuple[float, float, int]:
    vader = SentimentIntensityAnalyzer()
    labels = []
    for r in mention_rows():
        if (
            r["brand"] == brand
            and not r["rating"]
            and r["lang"] == "en"
            and local_week(r["created_at"]) == week
        ):
            c = vader.polarity_scores(r["text"])["compound"]
            labels.append(1 if c >= 0.05 else -1 if c <= -0.05 else 0)
    n = len(labels)
    p, d = labels.count(1) / n, labels.count(-1) / n
    net = 100 * (p - d)
    se = 100 * math.sqrt((p + d - (p - d) ** 2) / n)
    return (net + 100) / 2, se / 2, n


def expected_w46() -> dict[str, tuple[float, float, int]]:
    """component -> (0-100 value, se on 0-100, n) for acme in W46."""
    out = {"sentiment": expected_sentiment("acme", W46)}
    stars = [int(r["rating"]) for r in mention_rows() if r["rating"] and local_week(r["created_at"]) == W46]
    out["reviews"] = (
        (statistics.mean(stars) - 1) * 25,
        statistics.stdev(stars) / math.sqrt(len(stars)) * 25,
        len(stars),
    )
    k = sum(s >= 4 for s in CSAT_W46)
    lo, hi = wilson_pct(k, len(CSAT_W46))
    out["csat"] = (100 * k / len(CSAT_W46), (hi - lo) / 3.92, len(CSAT_W46))
    n = len(NPS_W46)
    p, d = sum(s >= 9 for s in NPS_W46) / n, sum(s <= 6 for s in NPS_W46) / n
    out["nps"] = ((100 * (p - d) + 100) / 2, 100 * math.sqrt((p + d - (p - d) ** 2) / n) / 2, n)
    out["ces"] = (
        (statistics.mean(CES_W46) - 1) / 6 * 100,
        statistics.stdev(CES_W46) / math.sqrt(len(CES_W46)) * 100 / 6,
        len(CES_W46),
    )
    _, s, e, new, _ = CUSTOMERS[1]
    lo, hi = wilson_pct(e - new, s)
    out["retention"] = ((100 * (e - new) / s - 90) * 10, (hi - lo) / 3.92 * 10, s)
    return out


def combine(parts: dict[str, tuple[float, float, int]]) -> tuple[float, float]:
    total = sum(WEIGHTS[c] for c in parts)
    value = sum(WEIGHTS[c] * v for c, (v, _, _) in parts.items()) / total
    se = math.sqrt(sum((WEIGHTS[c] * s) ** 2 for c, (_, s, _) in parts.items())) / total
    return value, se


def index_json(env: Env, capsys: pytest.CaptureFixture[str], *args: str) -> dict | list:
    code, out, err = env.cli("index", "--format", "json", *args, capsys=capsys)
    assert code == 0, err
    return json.loads(out)


# -- the tests ----------------------------------------------------------------------------------------


def test_index_json_matches_values_recomputed_from_the_raw_rows(
    loaded: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    obj = index_json(loaded, capsys, "--brand", "acme", "--at", "2026-11-12")
    assert isinstance(obj, dict)
    assert (obj["brand"], obj["period"], obj["period_start"], obj["label"]) == (
        "acme",
        "week",
        "2026-11-09",
        "2026-W46",
    )
    expected = expected_w46()
    assert set(obj["components"]) == set(expected) and obj["missing"] == []
    for name, (value, se, n) in expected.items():
        c = obj["components"][name]
        assert c["value"] == pytest.approx(value, abs=1e-9), name
        assert c["se"] == pytest.approx(se, abs=1e-9), name
        assert c["n"] == n and not c["carried_forward"] and c["data_period_start"] == "2026-11-09", name
        assert c["weight"] == pytest.approx(WEIGHTS[name])  # all six present: the weights sum to 1
    assert obj["components"]["sentiment"]["n"] == 8  # the Turkish post is unscored, not neutral
    assert obj["components"]["csat"]["raw"] == 75.0 and obj["components"]["ces"]["raw"] == pytest.approx(6.2)
    value, se = combine(expected)
    assert obj["value"] == pytest.approx(value, abs=1e-9)
    assert obj["se"] == pytest.approx(se, abs=1e-9)
    assert obj["low"] == pytest.approx(value - 1.96 * obj["se"]) and obj["high"] == pytest.approx(
        value + 1.96 * obj["se"]
    )
    # Drivers: each component's part of the change since W45; together exactly the change.
    assert obj["previous"]["label"] == "2026-W45"
    assert obj["change"] == pytest.approx(obj["value"] - obj["previous"]["value"])
    assert math.fsum(d["contribution"] for d in obj["drivers"]) == pytest.approx(obj["change"], abs=1e-9)
    status = {d["component"]: d["status"] for d in obj["drivers"]}
    assert status["csat"] == "entered" and status["ces"] == "entered" and status["sentiment"] == "moved"
    # W45 from its own rows: sentiment, reviews, nps and retention (no CSAT or CES that week).
    sent45 = expected_sentiment("acme", W45)
    stars45 = W45_STARS
    nps45 = (100 * (sum(s >= 9 for s in NPS_W45) - sum(s <= 6 for s in NPS_W45)) / 5 + 100) / 2
    ret45 = (100 * (1010 - 40) / 1000 - 90) * 10
    v45 = (0.25 * sent45[0] + 0.15 * (statistics.mean(stars45) - 1) * 25 + 0.2 * nps45 + 0.1 * ret45) / 0.7
    assert obj["previous"]["value"] == pytest.approx(v45, abs=1e-9)
    trend = {t["label"]: t["value"] for t in obj["trend"]}
    assert trend["2026-W45"] == pytest.approx(v45) and trend["2026-W46"] == pytest.approx(value)
    assert trend["2026-W44"] is None and len(obj["trend"]) == 8


def test_carry_forward_into_a_week_without_data(loaded: Env, capsys: pytest.CaptureFixture[str]) -> None:
    obj = index_json(loaded, capsys, "--brand", "acme", "--at", "2026-11-18")
    assert obj["label"] == "2026-W47"
    comps = obj["components"]
    # Sentiment looks back one week only: left out. The rest carry W46's data, age 1.
    assert obj["missing"] == ["sentiment"]
    expected = expected_w46()
    for name in ("reviews", "csat", "nps", "ces", "retention"):
        c = comps[name]
        assert c["carried_forward"] and c["age"] == 1 and c["data_period_start"] == "2026-11-09"
        assert c["value"] == pytest.approx(expected[name][0])
        assert c["se"] == pytest.approx(expected[name][1] * math.sqrt(2), abs=1e-9)  # widened by sqrt(1 + 1)
    del expected["sentiment"]
    assert obj["value"] == pytest.approx(combine(expected)[0])


def test_a_brand_without_surveys_renormalizes_over_what_it_has(
    loaded: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    obj = index_json(loaded, capsys, "--brand", "globex", "--at", "2026-11-12")
    assert set(obj["components"]) == {"sentiment"}
    assert set(obj["missing"]) == {"reviews", "csat", "nps", "ces", "retention"}
    value, se, n = expected_sentiment("globex", W46)
    assert obj["components"]["sentiment"]["weight"] == 1.0 and n == 5
    assert obj["value"] == pytest.approx(value) and obj["se"] == pytest.approx(se)
    # Without --brand: one object per configured brand, in settings order.
    both = index_json(loaded, capsys, "--at", "2026-11-12")
    assert isinstance(both, list) and [o["brand"] for o in both] == ["acme", "globex"]


def test_no_data_says_so(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    obj = index_json(env, capsys, "--brand", "acme", "--at", "2026-11-12")
    assert obj["value"] is None and obj["low"] is None and obj["components"] == {} and obj["drivers"] == []
    assert len(obj["missing"]) == 6
    code, out, _ = env.cli("index", "--brand", "acme", "--at", "2026-11-12", capsys=capsys)
    assert code == 0 and "no data" in out
    code, _, err = env.cli("index", "--at", "next tuesday", capsys=capsys)
    assert code == 2 and "--at: not a date like 2026-11-15: 'next tuesday'" in err
    code, _, err = env.cli("index", "--brand", "initech", capsys=capsys)
    assert code == 2 and "unknown brand 'initech'" in err


def test_table_output(loaded: Env, capsys: pytest.CaptureFixture[str]) -> None:
    obj = index_json(loaded, capsys, "--brand", "acme", "--at", "2026-11-12")
    code, out, _ = loaded.cli("index", "--brand", "acme", "--at", "2026-11-12", capsys=capsys)
    assert code == 0
    assert "acme: satisfaction index, week 2026-W46" in out
    assert f"index {obj['value']:.1f} (95% {obj['low']:.1f}-{obj['high']:.1f})" in out
    for name in ("sentiment", "reviews", "csat", "nps", "ces", "retention"):
        assert name in out
    assert "drivers:" in out and "trend:" in out and "2026-W45" in out


def test_monthly_index(loaded: Env, capsys: pytest.CaptureFixture[str]) -> None:
    obj = index_json(loaded, capsys, "--brand", "acme", "--period", "month", "--at", "2026-11-12")
    assert (obj["period"], obj["label"], obj["period_start"], obj["period_end"]) == (
        "month",
        "2026-11",
        "2026-11-01",
        "2026-12-01",
    )
    # November holds W45 and W46: 1000 -> 1015 with 65 new over two weeks = 95 % over 14 days,
    # 100 * 0.95 ** 0.5 = 97.468 % a week.
    ret = obj["components"]["retention"]
    assert ret["unit"] == "% per week" and ret["raw"] == pytest.approx(100 * math.sqrt(0.95))
    assert obj["components"]["csat"]["n"] == len(CSAT_W46) and obj["components"]["nps"]["n"] == 15


def test_saved_snapshots_feed_the_index_rules(loaded: Env, capsys: pytest.CaptureFixture[str]) -> None:
    obj = index_json(loaded, capsys, "--brand", "acme", "--at", "2026-11-12", "--save")
    index_json(
        loaded, capsys, "--brand", "acme", "--at", "2026-11-12", "--save"
    )  # twice: replaced, not added
    store = loaded.store()
    with store.atomic(write=False) as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(schema.index_snapshots)).scalar_one()
    assert n == 8  # the trend's eight weeks, once each
    cur, prev = load_snapshots(store, "acme", "week")
    store.close()
    assert cur.period_start == W46 and prev.period_start == W45
    assert cur.value == pytest.approx(obj["value"]) and cur.se == pytest.approx(obj["se"])
    assert cur.value > prev.value and index_drop(prev, cur) is None  # W46 rose from W45: no drop alert


def test_business_metrics_for_the_report(loaded: Env) -> None:
    settings = load_settings(loaded.config)
    store = loaded.store()
    start = datetime(2026, 11, 9, tzinfo=IST)
    got = business_metrics(store, settings, "acme", start, start + timedelta(days=7))
    store.close()
    assert got["csat"].value == pytest.approx(75.0) and got["csat"].n == 8
    assert got["nps"].n == 10 and got["ces"].value == pytest.approx(6.2)
    assert got["retention"].value == pytest.approx(100 * 990 / 1010) and got["retention"].n == 1010
    assert got["churn"].value == pytest.approx(100 * 20 / 1010)
    d = 1.10 ** (7 / 365.25) - 1  # the annual 10 % default, for one week
    r = 990 / 1010
    assert got["clv"].value == pytest.approx(2.2 * r / (1 + d - r))
    empty = business_metrics(store, settings, "globex", start, start + timedelta(days=7))
    assert all(m.value is None and m.n == 0 for m in empty.values())


def test_daemon_refresh_imports_configured_files_and_prints_the_index(env: Env) -> None:
    survey_csv(env.dir / "csat.csv", CSAT_W46, W46, "c")
    env.write(
        extra=textwrap.dedent("""
            [[surveys.files]]
            path = "csat.csv"
            metric = "csat"
            brand = "acme"
            [[customers.periods]]
            brand = "acme"
            period_start = 2026-11-09
            customers_start = 1010
            customers_end = 1015
            new_customers = 25
            [index]
            trend_periods = 3
        """)
    )
    settings = load_settings(env.config)
    store = env.store()
    clock = FixedClock(datetime(2026, 11, 18, 9, tzinfo=UTC))  # W47: the last complete week is W46
    console = Console(record=True, width=200, markup=False, highlight=False)
    first_cycle_index(settings, store, clock, console)
    text = console.export_text()
    assert "satisfaction index (last complete period):" in text
    w46 = expected_w46()
    value = combine({"csat": w46["csat"], "retention": w46["retention"]})[0]
    assert f"index acme 2026-W46: {value:.1f}" in text and "index globex 2026-W46: no data" in text
    again = refresh(settings, store, clock)  # the daily job: idempotent
    with store.atomic(write=False) as conn:
        responses = conn.execute(sa.select(sa.func.count()).select_from(schema.survey_responses)).scalar_one()
        snaps = conn.execute(sa.select(sa.func.count()).select_from(schema.index_snapshots)).scalar_one()
    store.close()
    assert responses == len(CSAT_W46) and snaps == 3 * 2  # three weeks, two brands
    assert again["acme"][-1].result.value == pytest.approx(value)


@pytest.mark.slow
def test_bundled_example_data_gives_an_index(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    """What `make run` shows: the bundled settings, files polled and imported, an index per brand."""
    text = (ROOT / "settings.toml").read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///data/monitor.db"', f'url = "sqlite:///{env.db}"')
    text = text.replace('path = "examples/', f'path = "{ROOT}/examples/')
    env.config.write_text(text, encoding="utf-8")
    assert env.cli("poll", capsys=capsys)[0] == 0
    settings = load_settings(env.config)
    store = env.store()
    results = refresh(settings, store, FixedClock(datetime(2026, 11, 22, 12, tzinfo=UTC)))
    store.close()
    acme, globex = results["acme"][-1], results["globex"][-1]
    assert acme.period.label == "2026-W46" and acme.result.value is not None
    assert set(acme.result.components) == {"sentiment", "reviews", "csat", "nps", "ces", "retention"}
    assert set(globex.result.components) == {"sentiment", "reviews"}
    # CSAT of W46 straight from the example file
    with (ROOT / "examples/acme/surveys/csat_acme.csv").open(encoding="utf-8", newline="") as fh:
        scores = [int(r["score"]) for r in csv.DictReader(fh) if local_week(r["submitted_at"]) == W46]
    assert acme.result.components["csat"].raw == pytest.approx(
        100 * sum(s >= 4 for s in scores) / len(scores)
    )
    # The outage week (W45) is the low point of acme's six weeks.
    values = {it.period.label: it.result.value for it in results["acme"] if it.result.value is not None}
    assert min(values, key=values.__getitem__) == "2026-W45"  # type: ignore[arg-type]


@pytest.mark.slow
def test_the_daemon_stores_and_prints_the_index_after_its_first_cycle(env: Env) -> None:
    from tests.test_daemon import Daemon, count, wait_for

    survey_csv(env.dir / "csat.csv", CSAT_W46, W46, "c")
    feed = env.dir / "feed.jsonl"
    feed.write_text(
        json.dumps({"id": "1", "text": "I love acme", "created_at": at(W46, 12)}) + "\n", encoding="utf-8"
    )
    env.write(
        sources=f'[[sources]]\nname = "feed"\ntype = "file"\npath = "{feed}"\ninterval = "1h"\n',
        extra='[[surveys.files]]\npath = "csat.csv"\nmetric = "csat"\nbrand = "acme"\n',
    )
    d = Daemon(env)
    try:
        try:
            wait_for(lambda: "index globex" in d.output(), timeout=120, what="the first-cycle index")
        except AssertionError:
            raise AssertionError(f"no index in the daemon's output:\n{d.output()}") from None
        assert d.stop() == 0
    finally:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()
        d.fh.close()
    out = d.output()
    # The daemon runs on the real clock: the last complete week is whatever week preceded today.
    today = datetime.now(IST).date()
    last = today - timedelta(days=today.weekday() + 7)
    iso = last.isocalendar()
    assert f"index acme {iso.year}-W{iso.week:02d}:" in out
    assert count(env.db, "SELECT count(*) FROM survey_responses") == len(CSAT_W46)
    assert count(env.db, "SELECT count(*) FROM index_snapshots") == 8 * 2  # trend weeks x brands
    assert "stopped cleanly" in out


def test_too_few_answers_in_a_period_count_as_none(loaded: Env, capsys: pytest.CaptureFixture[str]) -> None:
    # Two NPS answers in W47: fewer than [index] min_n (5), so W46's NPS is carried forward instead.
    when = at(W46 + timedelta(days=8), 9)
    few = loaded.dir / "few.csv"
    few.write_text(f"respondent_id,submitted_at,score\nx1,{when},10\nx2,{when},10\n", encoding="utf-8")
    assert (
        loaded.cli("surveys", "import", str(few), "--metric", "nps", "--brand", "acme", capsys=capsys)[0] == 0
    )
    nps = index_json(loaded, capsys, "--brand", "acme", "--at", "2026-11-18")["components"]["nps"]
    assert nps["carried_forward"] and nps["n"] == len(NPS_W46) and nps["data_period_start"] == "2026-11-09"
    loaded.write(extra='[surveys]\nces_scale = "1-7"\n[index]\nmin_n = 1\n')
    nps = index_json(loaded, capsys, "--brand", "acme", "--at", "2026-11-18")["components"]["nps"]
    assert not nps["carried_forward"] and nps["n"] == 2 and nps["raw"] == 100
