"""`monitor surveys import` and `monitor customers import`: scales, file:line errors, --strict, column
mapping, comments scored but never mentions, idempotence; the [surveys]/[customers]/[index] settings;
and the storage helpers on both databases."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from connectors.errors import ConfigError
from monitor.config import load_settings
from monitor.index.queries import (
    insert_responses,
    score_histogram,
    snapshots,
    upsert_customer_period,
    upsert_snapshot,
)
from monitor.storage import schema
from monitor.storage.store import Store
from tests.conftest import ROOT, Env

ONE_BRAND = '[[brands]]\nname = "acme"\nquery = "acme"\n'
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def responses(env: Env) -> list[dict]:
    store = env.store()
    with store.atomic(write=False) as conn:
        rows = [dict(r) for r in conn.execute(sa.select(schema.survey_responses).order_by("id")).mappings()]
    store.close()
    return rows


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_import_stores_scores_scale_segment_extras_and_scored_comments(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    f = write(
        env.dir / "csat.csv",
        """
        respondent_id,submitted_at,score,segment,comment,channel
        r1,2026-11-10T09:00:00Z,5,pro,Great support, thank you!,chat
        r2,2026-11-10T10:00:00+03:00,2,free,,email
        r3,2026-11-11 08:30:00,4,,This is terrible and broken.,chat
        """,
    )
    f.write_text(
        f.read_text().replace("Great support, thank you!", '"Great support, thank you!"'), encoding="utf-8"
    )
    code, out, err = env.cli(
        "surveys", "import", str(f), "--metric", "csat", "--brand", "acme", capsys=capsys
    )
    assert code == 0, err
    assert "csat for acme: 3 rows read: 3 stored, 0 duplicate, 0 rejected" in out
    rows = responses(env)
    assert [(r["respondent_id"], r["score"], r["scale"], r["metric"], r["brand"]) for r in rows] == [
        ("r1", 5.0, "1-5", "csat", "acme"),
        ("r2", 2.0, "1-5", "csat", "acme"),
        ("r3", 4.0, "1-5", "csat", "acme"),
    ]
    assert rows[1]["submitted_at"] == datetime(2026, 11, 10, 7, tzinfo=UTC)  # offset honoured
    assert rows[2]["submitted_at"] == datetime(2026, 11, 11, 8, 30, tzinfo=UTC)  # no offset: UTC
    assert rows[0]["segment"] == "pro" and rows[2]["segment"] is None
    assert rows[0]["extra"] == {"channel": "chat"}
    vader = SentimentIntensityAnalyzer()
    assert rows[0]["comment_compound"] == pytest.approx(
        vader.polarity_scores("Great support, thank you!")["compound"]
    )
    assert rows[0]["comment_label"] == "positive" and rows[2]["comment_label"] == "negative"
    assert rows[1]["comment"] is None and rows[1]["comment_label"] is None
    # Comments are not mentions: nothing reaches the mentions table (volume, spikes).
    store = env.store()
    assert store.count_mentions() == 0
    store.close()


def test_reimport_is_idempotent(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(
        env.dir / "nps.csv",
        """
        respondent_id,submitted_at,score
        a,2026-11-10T09:00:00Z,10
        b,2026-11-10T09:00:00Z,0
        a,2026-11-12T09:00:00Z,7
        """,
    )
    args = ("surveys", "import", str(f), "--metric", "nps", "--brand", "acme")
    assert "3 stored, 0 duplicate" in env.cli(*args, capsys=capsys)[1]
    code, out, _ = env.cli(*args, capsys=capsys)
    assert code == 0 and "3 rows read: 0 stored, 3 duplicate, 0 rejected" in out
    assert len(responses(env)) == 3
    # The same respondent and time under another metric, or for another brand, is another response.
    g = write(env.dir / "csat.csv", "respondent_id,submitted_at,score\na,2026-11-10T09:00:00Z,4\n")
    assert (
        "1 stored"
        in env.cli("surveys", "import", str(g), "--metric", "csat", "--brand", "acme", capsys=capsys)[1]
    )
    assert (
        "1 stored"
        in env.cli("surveys", "import", str(g), "--metric", "csat", "--brand", "globex", capsys=capsys)[1]
    )
    assert len(responses(env)) == 5


def test_bad_rows_are_named_by_file_and_line_and_skipped(
    env: Env, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    f = write(
        env.dir / "csat.csv",
        """
        respondent_id,submitted_at,score,comment
        ok1,2026-11-10T09:00:00Z,4,
        bad1,2026-11-10T09:00:00Z,6,out of scale
        bad2,2026-11-10T09:00:00Z,3.5,not whole
        bad3,yesterday,3,bad time
        ,2026-11-10T09:00:00Z,3,no respondent
        bad5,2026-11-10T09:00:00Z,lots,not a number
        bad6,2026-11-10T09:00:00Z,0,below
        too,many,fields,here,x
        ok2,2026-11-10T09:00:00Z,1,"multi
        line comment"
        """,
    )
    code, out, _ = env.cli("surveys", "import", str(f), "--metric", "csat", "--brand", "acme", capsys=capsys)
    assert code == 0
    assert "9 rows read: 2 stored, 0 duplicate, 7 rejected" in out
    log = caplog.text
    assert f"{f}:3: score: 6 is outside the csat scale 1-5 (skipped)" in log
    assert f"{f}:4: score: 3.5 is not a whole number" in log
    assert f"{f}:5: submitted_at: not an ISO 8601 time: 'yesterday'" in log
    assert f"{f}:6: respondent_id: missing" in log
    assert f"{f}:7: score: not a number: 'lots'" in log
    assert f"{f}:8: score: 0 is outside the csat scale 1-5" in log
    assert f"{f}:9: expected 4 fields as in the header, got 5" in log
    assert [r["respondent_id"] for r in responses(env)] == ["ok1", "ok2"]
    assert responses(env)[1]["comment"] == "multi\nline comment"


def test_strict_stops_at_the_first_bad_row_keeping_the_rows_before(env: Env) -> None:
    f = write(
        env.dir / "nps.csv",
        """
        respondent_id,submitted_at,score
        a,2026-11-10T09:00:00Z,9
        b,2026-11-10T09:00:00Z,11
        c,2026-11-10T09:00:00Z,5
        """,
    )
    proc = env.run("surveys", "import", str(f), "--metric", "nps", "--brand", "acme", "--strict")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == f"monitor: {f}:3: score: 11 is outside the nps scale 0-10"
    assert "Traceback" not in proc.stderr
    assert [r["respondent_id"] for r in responses(env)] == ["a"]


def test_column_mapping_from_options_and_settings(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(
        env.dir / "export.csv",
        """
        ResponseId,EndDate,Q1,Q2
        R_1,2026-11-10T09:00:00Z,5,Loved it
        R_2,2026-11-10T10:00:00Z,3,
        """,
    )
    code, _, err = env.cli("surveys", "import", str(f), "--metric", "csat", "--brand", "acme", capsys=capsys)
    assert code == 2 and f"{f}:1: missing required column(s): respondent_id, submitted_at, score" in err
    args = ["surveys", "import", str(f), "--metric", "csat", "--brand", "acme"]
    args += [
        "--column",
        "respondent_id=ResponseId",
        "--column",
        "submitted_at=EndDate",
        "--column",
        "score=Q1",
    ]
    code, out, err = env.cli(*args, "--column", "comment=Q2", capsys=capsys)
    assert code == 0, err
    assert "2 stored" in out
    rows = responses(env)
    assert [(r["respondent_id"], r["score"], r["comment"]) for r in rows] == [
        ("R_1", 5.0, "Loved it"),
        ("R_2", 3.0, None),
    ]
    # The same mapping as the [surveys] default
    mapping = 'respondent_id = "ResponseId", submitted_at = "EndDate", score = "Q1"'
    env.write(extra=f"[surveys]\ncolumns = {{ {mapping} }}\n")
    code, out, _ = env.cli("surveys", "import", str(f), "--metric", "nps", "--brand", "acme", capsys=capsys)
    assert code == 0 and "2 stored" in out
    code, _, err = env.cli(*args, "--column", "bogus=Q2", capsys=capsys)
    assert code == 2 and "--column: unknown survey column 'bogus'" in err
    code, _, err = env.cli(*args, "--column", "score", capsys=capsys)
    assert code == 2 and "--column: expected OURS=THEIRS" in err


def test_ces_scale_follows_settings(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(
        env.dir / "ces.csv",
        "respondent_id,submitted_at,score\na,2026-11-10T09:00:00Z,6\nb,2026-11-10T09:00:00Z,2\n",
    )
    code, out, _ = env.cli("surveys", "import", str(f), "--metric", "ces", "--brand", "acme", capsys=capsys)
    assert code == 0 and "1 stored" in out and "1 rejected" in out  # default 1-5: 6 is outside
    env.write(extra='[surveys]\nces_scale = "1-7"\n')
    _, out, _ = env.cli("surveys", "import", str(f), "--metric", "ces", "--brand", "acme", capsys=capsys)
    assert "2 rows read: 1 stored, 1 duplicate, 0 rejected" in out
    scales = {r["respondent_id"]: r["scale"] for r in responses(env)}
    assert scales == {"b": "1-5-effort", "a": "1-7-easy"}


def test_brand_default_and_unknown_brand(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(env.dir / "csat.csv", "respondent_id,submitted_at,score\na,2026-11-10T09:00:00Z,4\n")
    code, _, err = env.cli("surveys", "import", str(f), "--metric", "csat", capsys=capsys)
    assert code == 2 and "--brand is required when several brands are configured (acme, globex)" in err
    code, _, err = env.cli(
        "surveys", "import", str(f), "--metric", "csat", "--brand", "initech", capsys=capsys
    )
    assert code == 2 and "unknown brand 'initech'" in err
    env.write(brands=ONE_BRAND)
    code, out, _ = env.cli("surveys", "import", str(f), "--metric", "csat", capsys=capsys)
    assert code == 0 and "csat for acme: 1 rows read: 1 stored" in out
    code, _, err = env.cli("surveys", "import", str(env.dir / "nope.csv"), "--metric", "csat", capsys=capsys)
    assert code == 2 and "nope.csv: no such file" in err


# -- customers --------------------------------------------------------------------------------------


def customer_rows(env: Env) -> list[dict]:
    store = env.store()
    with store.atomic(write=False) as conn:
        t = schema.customer_periods
        rows = [dict(r) for r in conn.execute(sa.select(t).order_by(t.c.period_start)).mappings()]
    store.close()
    return rows


def test_customers_import_update_and_errors(
    env: Env, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    env.write(brands=ONE_BRAND)
    f = write(
        env.dir / "customers.csv",
        """
        period_start,customers_start,customers_end,new_customers,avg_margin,discount_rate
        2026-10-12,12040,12131,312,2.41,
        2026-10-19,12131,12215,298,,0.002
        2026-10-26,100,300,50,2.40,
        2026-11-02,many,12112,236,2.18,
        2026-13-01,1,1,0,1,
        """,
    )
    code, out, _ = env.cli("customers", "import", str(f), capsys=capsys)
    assert code == 0
    assert "customers for acme: 5 rows read: 2 new, 0 updated, 0 unchanged, 3 rejected" in out
    assert (
        f"{f}:4: customers_end - new_customers = 250 is outside 0..customers_start (100) (skipped)"
        in caplog.text
    )
    assert f"{f}:5: customers_start: expected a whole number of customers, got 'many'" in caplog.text
    assert f"{f}:6: period_start: not a date like 2026-10-12: '2026-13-01'" in caplog.text
    rows = customer_rows(env)
    assert [
        (r["period_start"], r["period_end"], r["customers_new"], r["avg_margin"], r["discount_rate"])
        for r in rows
    ] == [
        (date(2026, 10, 12), date(2026, 10, 19), 312, 2.41, None),  # period_end: one week by default
        (date(2026, 10, 19), date(2026, 10, 26), 298, None, 0.002),
    ]
    assert rows[0]["origin"] == "customers.csv"
    code, out, _ = env.cli("customers", "import", str(f), capsys=capsys)
    assert "0 new, 0 updated, 2 unchanged, 3 rejected" in out
    f.write_text(f.read_text().replace("12131,312,2.41", "12131,312,2.50"), encoding="utf-8")
    code, out, _ = env.cli("customers", "import", str(f), capsys=capsys)
    assert "0 new, 1 updated, 1 unchanged" in out
    assert customer_rows(env)[0]["avg_margin"] == 2.50
    proc = env.run("customers", "import", str(f), "--strict")
    assert proc.returncode == 2 and proc.stderr.strip().endswith(
        f"{f}:4: customers_end - new_customers = 250 is outside 0..customers_start (100)"
    )


def test_customers_given_in_settings_and_monthly_rows(env: Env) -> None:
    from monitor.index.customers import import_settings_periods

    env.write(
        brands=ONE_BRAND,
        extra=textwrap.dedent("""
            [customers]
            period = "month"
            [[customers.periods]]
            period_start = 2026-01-31
            customers_start = 100
            customers_end = 104
            new_customers = 10
            avg_margin = 9.5
        """),
    )
    settings = load_settings(env.config)
    store = env.store()
    assert import_settings_periods(settings, store).new == 1
    assert import_settings_periods(settings, store).unchanged == 1
    store.close()
    (row,) = customer_rows(env)
    assert (row["period_start"], row["period_end"], row["origin"]) == (
        date(2026, 1, 31),
        date(2026, 2, 28),
        "settings",
    )


# -- settings ---------------------------------------------------------------------------------------

BAD_SETTINGS = [
    (
        '[[surveys.files]]\npath = "x.csv"\nmetric = "ces"\nbrand = "initech"\n',
        "surveys.files[0].brand: unknown brand 'initech'",
    ),
    (
        '[[surveys.files]]\npath = "x.csv"\nmetric = "nps"\n',
        "surveys.files[0].brand: required when several brands are configured",
    ),
    (
        '[[surveys.files]]\npath = "x.csv"\nmetric = "effort"\n',
        "surveys.files[0].metric: input should be 'csat', 'nps' or 'ces'",
    ),
    ('[surveys]\nces_scale = "0-10"\n', "surveys.ces_scale: input should be '1-5' or '1-7'"),
    ('[surveys]\ncolumns = { rating = "x" }\n', "surveys.columns: unknown survey column 'rating'"),
    (
        "[customers]\nannual_discount_rate = 0\n",
        "customers.annual_discount_rate: input should be greater than 0",
    ),
    (
        "[[customers.periods]]\nbrand = 'acme'\nperiod_start = 2026-10-12\ncustomers_start = 10\n"
        "customers_end = 30\nnew_customers = 1\n",
        "customers.periods[0]: customers_end - new_customers = 29 is outside 0..customers_start (10)",
    ),
    (
        '[[customers.files]]\npath = "c.csv"\nbrand = "initech"\n',
        "customers.files[0].brand: unknown brand 'initech'",
    ),
    ("[index.weights]\nnps = -1\n", "index.weights.nps: input should be greater than or equal to 0"),
    (
        "[index.weights]\nsentiment = 0\nreviews = 0\ncsat = 0\nnps = 0\nces = 0\nretention = 0\n",
        "index.weights: at least one weight must be positive",
    ),
    (
        '[index.lookback]\nnps = "a quarter"\n',
        'index.lookback.nps: expected a duration like "15m", got "a quarter"',
    ),
    ("[index]\nretention_range = [100, 90]\n", "index.retention_range: expected [floor, ceiling]"),
    ('[index]\nperiod = "day"\n', "index.period: input should be 'week' or 'month'"),
    ("[index]\nwieghts = {}\n", "index.wieghts: unknown setting"),
    ('[index]\ndaily_at = "25:00"\n', 'index.daily_at: expected a local time like "00:20"'),
]


@pytest.mark.parametrize(("extra", "message"), BAD_SETTINGS, ids=[m.split(":")[0] for _, m in BAD_SETTINGS])
def test_bad_settings_are_one_line_naming_the_path(env: Env, extra: str, message: str) -> None:
    env.write(extra=extra)
    with pytest.raises(ConfigError) as exc:
        load_settings(env.config)
    text = str(exc.value)
    assert "\n" not in text and message in text, text


def test_settings_defaults_and_paths_relative_to_the_settings_file(env: Env) -> None:
    env.write(extra='[[surveys.files]]\npath = "s/csat.csv"\nmetric = "csat"\nbrand = "acme"\n')
    s = load_settings(env.config)
    assert s.surveys.files[0].path == env.dir / "s" / "csat.csv"
    assert s.surveys.ces_scale == "1-5" and s.index.period == "week"
    assert s.index.weights.model_dump() == {
        "sentiment": 0.25,
        "reviews": 0.15,
        "csat": 0.2,
        "nps": 0.2,
        "ces": 0.1,
        "retention": 0.1,
    }
    bundled = load_settings(ROOT / "settings.toml")
    assert {(f.metric, f.brand) for f in bundled.surveys.files} == {
        ("csat", "acme"),
        ("nps", "acme"),
        ("ces", "acme"),
    }
    assert all(f.path.is_file() for f in bundled.surveys.files) and bundled.customers.files[0].path.is_file()


# -- storage helpers on both databases ----------------------------------------------------------------


def response(rid: str, score: float, when: datetime) -> dict:
    return {
        "brand": "acme",
        "metric": "csat",
        "respondent_id": rid,
        "submitted_at": when,
        "score": score,
        "scale": "1-5",
        "ingested_at": NOW,
    }


def test_store_responses_customers_and_snapshots(store: Store) -> None:
    t1, t2 = datetime(2026, 11, 10, 9, tzinfo=UTC), datetime(2026, 11, 17, 9, tzinfo=UTC)
    assert insert_responses(store, [response("a", 5, t1), response("b", 4, t1), response("c", 1, t2)]) == 3
    assert insert_responses(store, [response("a", 2, t1), response("d", 4, t1)]) == 1  # 'a' kept as it was
    assert score_histogram(store, "acme", "csat", t1, t2) == {5.0: 1, 4.0: 2}
    row = {
        "brand": "acme",
        "period_start": date(2026, 11, 9),
        "period_end": date(2026, 11, 16),
        "customers_start": 100,
        "customers_end": 101,
        "customers_new": 3,
        "avg_margin": 2.5,
        "discount_rate": None,
        "origin": "t.csv",
        "ingested_at": NOW,
    }
    assert upsert_customer_period(store, row) == "new"
    assert upsert_customer_period(store, row) == "unchanged"
    assert upsert_customer_period(store, {**row, "customers_end": 102}) == "updated"
    snap = {
        "brand": "acme",
        "period": "week",
        "period_start": date(2026, 11, 9),
        "value": 70.0,
        "low": 60.0,
        "high": 80.0,
        "components": {"csat": {"value": 70.0, "se": 5.0, "weight": 1.0}},
        "drivers": [],
        "computed_at": NOW,
    }
    upsert_snapshot(store, snap)
    upsert_snapshot(store, {**snap, "value": 71.0})  # a recompute replaces, never duplicates
    upsert_snapshot(store, {**snap, "period_start": date(2026, 11, 2), "value": 65.0})
    got = snapshots(store, "acme", "week", limit=5)
    assert [(r["period_start"], r["value"]) for r in got] == [
        (date(2026, 11, 9), 71.0),
        (date(2026, 11, 2), 65.0),
    ]
    assert got[0]["components"] == {"csat": {"value": 70.0, "se": 5.0, "weight": 1.0}}
