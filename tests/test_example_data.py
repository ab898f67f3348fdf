"""The bundled example data is what the README promises, and the default settings poll it offline."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.records import parse_time
from tests.conftest import ROOT, Env

EXAMPLES = ROOT / "examples" / "acme"
EPISODE = (datetime(2026, 11, 4, 9, tzinfo=UTC), datetime(2026, 11, 6, 3, tzinfo=UTC))


def mentions() -> list[dict]:
    rows = [json.loads(line) for line in (EXAMPLES / "social.jsonl").read_text(encoding="utf-8").splitlines()]
    with (EXAMPLES / "reviews.csv").open(encoding="utf-8", newline="") as fh:
        rows += list(csv.DictReader(fh))
    return rows


def test_size_sources_languages_and_period() -> None:
    rows = mentions()
    assert len(rows) >= 5000
    assert {r["brand"] for r in rows} == {"acme", "globex"}
    assert len({r["source"] for r in rows}) >= 3
    assert any(r.get("rating") for r in rows)
    langs = Counter(r["lang"] for r in rows)
    assert len(langs) >= 4 and langs["en"] / len(rows) < 0.95
    times = [parse_time(r["created_at"]) for r in rows]
    assert max(times) - min(times) >= timedelta(weeks=5, days=6)


def test_survey_files_cover_the_same_weeks() -> None:
    for name, low, high in (("csat_acme.csv", 1, 5), ("nps_acme.csv", 0, 10)):
        with (EXAMPLES / "surveys" / name).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert set(rows[0]) >= {"respondent_id", "submitted_at", "score"}
        assert all(low <= float(r["score"]) <= high for r in rows)
        weeks = {parse_time(r["submitted_at"]).isocalendar()[1] for r in rows}
        assert len(weeks) >= 6


@pytest.mark.slow
def test_default_settings_poll_the_examples_offline_and_show_the_negative_episode(env: Env) -> None:
    text = (ROOT / "settings.toml").read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///data/monitor.db"', f'url = "sqlite:///{env.db}"')
    text = text.replace('path = "examples/', f'path = "{ROOT}/examples/')
    env.config.write_text(text, encoding="utf-8")
    first = env.run("poll")
    assert first.returncode == 0, first.stderr
    store = env.store()
    assert store.count_mentions() == len(mentions())
    second = env.run("poll")
    assert second.returncode == 0 and ": ok: 0 stored" in second.stdout
    assert not re.search(r"ok: [1-9]\d* stored", second.stdout)
    assert store.count_mentions() == len(mentions())
    # The negative episode is plainly visible in the stored labels: per day, negatives of acme.
    per_day: Counter[str] = Counter()
    for m in store.iter_mentions(brand="acme"):
        if m["label"] == "negative":
            per_day[m["created_at"].date().isoformat()] += 1
    inside = [per_day[d] for d in ("2026-11-04", "2026-11-05")]
    outside = [n for d, n in per_day.items() if d not in {"2026-11-04", "2026-11-05", "2026-11-06"}]
    assert min(inside) > 3 * max(outside)
    # Non-English text is stored unscored, with its language, never as neutral.
    unscored = [m for m in store.iter_mentions() if m["label"] == "unscored"]
    assert unscored and all(m["lang"] != "en" and m["compound"] is None for m in unscored)
    store.close()


def test_committed_files_are_exactly_what_the_generator_writes(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "generate.py"), "--out", str(tmp_path), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert made == sorted(p.relative_to(EXAMPLES) for p in EXAMPLES.rglob("*") if p.is_file())
    for rel in made:
        assert (tmp_path / rel).read_bytes() == (EXAMPLES / rel).read_bytes(), rel
