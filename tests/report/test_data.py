"""Weekly report numbers: a week of planted mentions (plus alerts, index snapshots and survey answers)
gives, in the JSON report, the numbers computed here independently from the planted rows.

Runs on both stores. The expectations use only the standard library (no pandas, no report code):
the week's bounds are written out as literal UTC times and days are local dates via zoneinfo.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from monitor.config import Settings, load_settings
from monitor.report.week import IsoWeek
from monitor.report.write import write_report
from monitor.storage import schema
from monitor.storage.store import Store
from tests.conftest import Env
from tests.support.rows import insert_dicts

TZ = ZoneInfo("Europe/Istanbul")
WEEK = IsoWeek(2026, 47)
# Monday 2026-11-16 00:00 and the next Monday 00:00, Istanbul (UTC+3, no DST), written out by hand.
START = datetime(2026, 11, 15, 21, 0, tzinfo=UTC)
END = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
PREV_START = START - timedelta(days=7)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LABELS = ("positive", "neutral", "negative", "unscored")
BRANDS = ("acme", "globex")


def mention(
    native_id: str,
    brand: str,
    created_at: datetime,
    label: str,
    *,
    source: str = "x",
    text: str | None = None,
    compound: float | None = None,
    lang: str | None = "en",
    url: str | None = None,
    author: str | None = None,
    title: str | None = None,
    rating: int | None = None,
    engagement: int | None = None,
) -> dict[str, Any]:
    """A stored mention row as the pipeline writes it."""
    if compound is None and label != "unscored":
        compound = {"positive": 0.5, "neutral": 0.0, "negative": -0.5}[label]
    return {
        "source": source,
        "native_id": native_id,
        "brand": brand,
        "source_name": "planted",
        "created_at": created_at,
        "text": text if text is not None else f"mention {native_id} about {brand}",
        "title": title,
        "url": url,
        "author": author,
        "lang": lang,
        "rating": rating,
        "engagement": engagement,
        "reach": None,
        "compound": compound,
        "pos": None,
        "neu": None,
        "neg": None,
        "label": label,
        "scored": label != "unscored",
        "raw": None,
        "extra": None,
        "ingested_at": NOW,
    }


def planted_rows(seed: int = 47) -> list[dict[str, Any]]:
    """Random mentions from two weeks before to two days after the report week, for the two
    configured brands and one that is not configured, plus rows exactly on the boundaries."""
    rng = random.Random(seed)
    rows = []
    span = (END + timedelta(days=2) - (PREV_START - timedelta(days=2))).total_seconds()
    for i in range(900):
        brand = rng.choice(("acme", "acme", "globex", "initech"))
        label = rng.choice(LABELS)
        created = PREV_START - timedelta(days=2) + timedelta(seconds=rng.uniform(0, span))
        compound = (
            None
            if label == "unscored"
            else round(
                rng.uniform(0.05, 1) * (1 if label == "positive" else -1 if label == "negative" else 0), 4
            )
        )
        rows.append(
            mention(
                f"r{i}",
                brand,
                created,
                label,
                source=rng.choice(("x", "reddit", "appstore")),
                lang=rng.choice(("en", "en", "tr", "de", None)),
                compound=compound,
                engagement=rng.choice((None, 0, rng.randint(1, 500))),
                text=f"planted text {i} about {brand}",
            )
        )
    rows += [
        mention("edge-start", "acme", START, "negative", source="reddit"),  # in (inclusive start)
        mention("edge-end", "acme", END, "negative", source="reddit"),  # out (exclusive end)
        mention("edge-prev", "acme", START - timedelta(microseconds=1), "positive"),  # previous week
        # A copy-pasted post: two mentions, one place in the top list.
        mention("dup-1", "acme", START + timedelta(hours=30), "positive", compound=0.99, engagement=100_000,
                text="Same words twice"),
        mention("dup-2", "acme", START + timedelta(hours=31), "positive", compound=0.99, engagement=100_000,
                text="same   words TWICE"),
    ]  # fmt: skip
    return rows


def in_week(r: dict[str, Any]) -> bool:
    return START <= r["created_at"] < END


def expected(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What the report must say, computed from the rows with plain Python."""
    week = [r for r in rows if in_week(r) and r["brand"] in BRANDS]
    prev = [r for r in rows if PREV_START <= r["created_at"] < START and r["brand"] in BRANDS]
    total = len(week)
    out: dict[str, Any] = {"total": total, "brands": {}}
    for brand in BRANDS:
        mine = [r for r in week if r["brand"] == brand]
        labels = Counter(r["label"] for r in mine)
        scored = labels["positive"] + labels["neutral"] + labels["negative"]
        days = {START.astimezone(TZ).date() + timedelta(days=i): Counter() for i in range(7)}
        for r in mine:
            days[r["created_at"].astimezone(TZ).date()][r["label"]] += 1
        sources: dict[str, Counter[str]] = {}
        langs: dict[str, Counter[str]] = {}
        for r in mine:
            sources.setdefault(r["source"], Counter())[r["label"]] += 1
            langs.setdefault(r["lang"] or "unknown", Counter())[r["label"]] += 1
        n_prev = sum(1 for r in prev if r["brand"] == brand)

        def top(label: str, mine: list[dict[str, Any]] = mine) -> list[str]:
            picked = sorted(
                (r for r in mine if r["label"] == label),
                key=lambda r: (-(r["engagement"] or 0), -abs(r["compound"]), r["created_at"]),
            )
            ids, seen = [], set()
            for r in picked:
                key = " ".join(r["text"].lower().split())
                if key not in seen:
                    seen.add(key)
                    ids.append(r["text"])
            return ids[:5]

        out["brands"][brand] = {
            "mentions": len(mine),
            "previous": n_prev,
            "change": len(mine) - n_prev,
            "change_pct": (len(mine) - n_prev) / n_prev * 100,
            "labels": labels,
            "net": (labels["positive"] - labels["negative"]) / scored * 100,
            "share_of_voice": len(mine) / total * 100,
            "days": {d.isoformat(): c for d, c in days.items()},
            "sources": sorted(
                ((s, c) for s, c in sources.items()), key=lambda sc: (-sum(sc[1].values()), sc[0])
            ),
            "langs": {lang: c for lang, c in langs.items()},
            "top_positive": top("positive"),
            "top_negative": top("negative"),
        }
    return out


def plant_extras(store: Store) -> None:
    """Alerts, index snapshots and CSAT answers around the week."""
    a, s, sv = schema.alerts, schema.index_snapshots, schema.survey_responses

    def alert(rule: str, brand: str | None, started: datetime, state: str = "firing") -> dict[str, Any]:
        return {
            "fingerprint": f"{rule}-{brand}-{started.timestamp():.0f}",
            "rule": rule,
            "brand": brand,
            "source_name": None if brand else "reddit-main",
            "labels": {"rule": rule},
            "state": state,
            "started_at": started,
            "resolved_at": started + timedelta(hours=2) if state == "resolved" else None,
            "details": {"observed": 12},
        }

    def snapshot(monday: date, value: float) -> dict[str, Any]:
        return {
            "brand": "acme",
            "period": "week",
            "period_start": monday,
            "value": value,
            "low": value - 4,
            "high": value + 4,
            "components": {
                "csat": {"raw": 60.0, "value": 60.0, "n": 5, "low": 20.0, "high": 90.0, "weight": 0.5,
                         "carried_forward": False},
                "sentiment": {"raw": 10.0, "value": 55.0, "n": 80, "low": 50.0, "high": 60.0, "weight": 0.5,
                              "carried_forward": True},
            },
            "drivers": [{"component": "csat", "contribution": -3.25, "previous": 70.0, "current": 60.0,
                         "status": "moved"}],
            "computed_at": NOW,
        }  # fmt: skip

    with store.atomic() as conn:
        conn.execute(
            sa.insert(a),
            [
                alert("negative_spike", "acme", START + timedelta(days=2), "resolved"),
                alert("connector_down", None, START + timedelta(days=3)),
                alert("negative_share", "acme", START - timedelta(hours=1)),  # the week before: not shown
                alert("negative_spike", "globex", START + timedelta(days=1)),  # another brand
            ],
        )
        conn.execute(
            sa.insert(s),
            [
                snapshot(date(2026, 11, 16), 57.5),
                snapshot(date(2026, 11, 2), 61.0),
                snapshot(date(2026, 8, 3), 70),
            ],
        )
        conn.execute(
            sa.insert(sv),
            [
                {
                    "brand": "acme",
                    "metric": "csat",
                    "respondent_id": f"p{i}",
                    "submitted_at": START + timedelta(hours=5 + i),
                    "score": score,
                    "scale": "1-5",
                    "ingested_at": NOW,
                }
                for i, score in enumerate([5, 4, 3, 5, 1])
            ],
        )


def settings_for(env: Env) -> Settings:
    env.write(
        brands='[[brands]]\nname = "acme"\nquery = "acme"\ndisplay_name = "Acme"\n\n'
        '[[brands]]\nname = "globex"\nquery = "globex"\n',
        extra="",
    )
    return load_settings(env.config)


def report_json(settings: Settings, store: Store, out: Path, brand: str | None = None) -> dict[str, Any]:
    written = write_report(settings, store, WEEK, formats=["json"], output=out, now=NOW, brand=brand)
    return json.loads(written.files[0].read_text(encoding="utf-8"))


def test_a_week_of_known_data_gives_the_expected_numbers(store: Store, env: Env) -> None:
    rows = planted_rows()
    insert_dicts(store, rows, now=NOW)
    plant_extras(store)
    exp = expected(rows)
    doc = report_json(settings_for(env), store, env.dir / "out")

    assert doc["week"] == "2026-W47" and doc["previous_week"] == "2026-W46"
    assert (doc["start"], doc["end"]) == ("2026-11-15T21:00:00Z", "2026-11-22T21:00:00Z")
    assert (doc["first_day"], doc["last_day"]) == ("2026-11-16", "2026-11-22")
    assert doc["complete"] is True and doc["empty"] is False
    assert doc["total_mentions"] == exp["total"]
    assert [v["brand"] for v in doc["share_of_voice"]] == ["acme", "globex"]  # initech is not configured
    for voice in doc["share_of_voice"]:
        e = exp["brands"][voice["brand"]]
        assert voice["mentions"] == e["mentions"]
        assert voice["share_of_voice"] == pytest.approx(e["share_of_voice"], abs=0.005)
        assert voice["net_sentiment"] == pytest.approx(e["net"], abs=0.005)
        assert [voice[label] for label in LABELS] == [e["labels"][label] for label in LABELS]
    assert sum(v["share_of_voice"] for v in doc["share_of_voice"]) == pytest.approx(100, abs=0.01)

    for section in doc["sections"]:
        e = exp["brands"][section["brand"]]
        assert section["mentions"] == e["mentions"]
        assert section["previous_mentions"] == e["previous"]
        assert section["change"] == e["change"]
        assert section["change_pct"] == pytest.approx(e["change_pct"], abs=0.005)
        sentiment = section["sentiment"]
        assert {label: sentiment[label] for label in LABELS} == {
            label: e["labels"][label] for label in LABELS
        }
        assert sentiment["total"] == e["mentions"]
        for label in LABELS:
            assert sentiment["shares"][label] == pytest.approx(
                e["labels"][label] / e["mentions"] * 100, abs=0.005
            )
        assert sentiment["net_sentiment"] == pytest.approx(e["net"], abs=0.005)
        assert [d["date"] for d in section["by_day"]] == list(e["days"])
        for d in section["by_day"]:
            assert {label: d[label] for label in LABELS} == {
                label: e["days"][d["date"]][label] for label in LABELS
            }
        assert [(r["source"], r["total"]) for r in section["by_source"]] == [
            (s, sum(c.values())) for s, c in e["sources"]
        ]
        for r in section["by_source"]:
            assert r["negative"] == dict(e["sources"])[r["source"]]["negative"]
        assert {r["lang"]: r["total"] for r in section["by_language"]} == {
            lang: sum(c.values()) for lang, c in e["langs"].items()
        }
        assert [m["text"] for m in section["top_positive"]] == e["top_positive"]
        assert [m["text"] for m in section["top_negative"]] == e["top_negative"]

    acme = doc["sections"][0]
    assert acme["by_day"][0]["negative"] >= 1  # the mention at exactly Monday 00:00 local counts
    assert acme["top_positive"][0]["text"] == "Same words twice"  # the copy appears once
    assert "same   words TWICE" not in [m["text"] for m in acme["top_positive"]]

    # Alerts raised in the week: the brand's own and the brand-less ones, not the week before's.
    assert [(a["rule"], a["brand"], a["state"]) for a in acme["alerts"]] == [
        ("negative_spike", "acme", "resolved"),
        ("connector_down", None, "firing"),
    ]
    assert acme["alerts"][0]["started_at"] == "2026-11-17T21:00:00Z"
    # The index of the week, its components and drivers, and 12 weeks of trend with gaps.
    assert acme["index"]["value"] == 57.5 and (acme["index"]["low"], acme["index"]["high"]) == (53.5, 61.5)
    assert acme["index"]["components"]["csat"]["n"] == 5
    assert acme["index"]["drivers"][0]["contribution"] == -3.25
    trend = acme["index_trend"]
    assert len(trend) == 12 and trend[0]["week"] == "2026-W36" and trend[-1]["week"] == "2026-W47"
    assert [t["value"] for t in trend if t["value"] is not None] == [
        61.0,
        57.5,
    ]  # W45 and W47; W32 is too old
    # Business metrics from the week's survey answers: CSAT = share of 4-5 = 3 of 5.
    business = acme["business_metrics"]
    assert business["available"] is True
    csat = next(m for m in business["metrics"] if m["name"] == "csat")
    assert csat["value"] == pytest.approx(60.0) and csat["n"] == 5 and csat["unit"] == "%"
    globex = doc["sections"][1]
    assert globex["index"] is None and globex["business_metrics"]["available"] is False
    assert globex["business_metrics"]["note"] == "no survey data"
    assert [a["rule"] for a in globex["alerts"]] == ["negative_spike", "connector_down"]


def test_one_brand_report_still_counts_every_brand_in_share_of_voice(store: Store, env: Env) -> None:
    rows = planted_rows(seed=3)
    insert_dicts(store, rows, now=NOW)
    exp = expected(rows)
    doc = report_json(settings_for(env), store, env.dir / "out", brand="globex")
    assert [s["brand"] for s in doc["sections"]] == ["globex"]
    assert doc["brands"] == ["globex"]
    assert {v["brand"]: v["mentions"] for v in doc["share_of_voice"]} == {
        b: exp["brands"][b]["mentions"] for b in BRANDS
    }
    assert doc["sections"][0]["share_of_voice"] == pytest.approx(
        exp["brands"]["globex"]["share_of_voice"], abs=0.005
    )


def test_previous_week_without_mentions_has_no_change_percentage(store: Store, env: Env) -> None:
    insert_dicts(store, [mention("a", "acme", START + timedelta(hours=1), "positive")], now=NOW)
    doc = report_json(settings_for(env), store, env.dir / "out")
    acme = doc["sections"][0]
    assert (acme["mentions"], acme["previous_mentions"], acme["change"], acme["change_pct"]) == (
        1,
        0,
        1,
        None,
    )
    globex = doc["sections"][1]
    assert globex["mentions"] == 0 and globex["sentiment"]["net_sentiment"] is None
    assert globex["share_of_voice"] == 0 and doc["empty_brands"] == ["globex"]
