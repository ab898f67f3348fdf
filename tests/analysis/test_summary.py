"""analysis.summary and analysis.terms: the pure weekly aggregates behind the report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analysis.summary import Mix, summarize_week
from analysis.terms import stopwords, tokens, top_terms

BERLIN = ZoneInfo("Europe/Berlin")
# ISO week 2026-W43 in Berlin: Mon 19 Oct 00:00 CEST (18 Oct 22:00Z) to Mon 26 Oct 00:00 CET (25 Oct 23:00Z).
DAYS = [date(2026, 10, 19) + timedelta(days=i) for i in range(7)]


def frame(rows: list[dict]) -> pd.DataFrame:
    base = {"brand": "acme", "source": "x", "label": "neutral", "compound": 0.0, "text": "", "lang": "en"}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_stopwords_are_taken_per_language_from_the_installed_package() -> None:
    text = "Die App ist kaputt und das Update ist schlecht"
    assert tokens(text, "de") == {"app", "kaputt", "update", "schlecht"}
    # Without a language only English stopwords apply: German function words stay.
    assert {"die", "ist", "und", "das"} <= tokens(text, None)
    assert tokens(text, "de-AT") == tokens(text, "de")  # a region tag uses its language's list
    assert stopwords("xx") == frozenset() and stopwords("und") == frozenset()
    assert "ve" in stopwords("tr") and "the" in stopwords("en")


def test_terms_skip_links_handles_numbers_short_words_and_the_brand() -> None:
    text = "@AcmeHelp https://x.com/a www.acme.example v4.2.0 is a crash-fest, ok? Acme's AcmeApp sync broke"
    assert tokens(text, "en", ["acme*"]) == {"crash", "fest", "sync", "broke"}
    assert tokens(text, "en", ["acme"]) == {"crash", "fest", "sync", "broke", "acmeapp"}


def test_top_terms_count_each_text_once_and_break_ties_by_name() -> None:
    texts = [
        ("crash crash crash crash", "en"),
        ("login loop again", "en"),
        ("login broken", "en"),
        ("sync broken", "en"),
        ("Giriş yapılamıyor, giriş döngüsü", "tr"),
    ]
    overall, by_lang = top_terms(texts, n=3)
    assert overall == [("broken", 2), ("login", 2), ("crash", 1)]
    assert list(by_lang) == ["en", "tr"]  # languages with the most texts first
    assert by_lang["tr"][0] == ("döngüsü", 1) and ("giriş", 1) in by_lang["tr"]


def test_mix_shares_and_net_sentiment() -> None:
    mix = Mix.of(["positive"] * 6 + ["neutral"] * 2 + ["negative"] * 2 + ["unscored"] * 10 + ["garbage"])
    assert (mix.total, mix.scored, mix.unscored) == (21, 10, 11)  # an unknown label counts as unscored
    assert mix.net_sentiment == pytest.approx(40.0)  # (6 - 2) / 10 scored
    assert mix.share("positive") == pytest.approx(6 / 21 * 100)
    assert Mix.of(["unscored"]).net_sentiment is None and Mix().share("positive") is None


def test_days_are_local_dates_across_the_end_of_summer_time() -> None:
    current = frame(
        [
            {"created_at": datetime(2026, 10, 18, 22, 0, tzinfo=UTC), "label": "positive"},  # Mon 00:00 CEST
            {"created_at": datetime(2026, 10, 19, 21, 59, tzinfo=UTC), "label": "negative"},  # Mon 23:59 CEST
            {"created_at": datetime(2026, 10, 25, 22, 59, tzinfo=UTC), "label": "negative"},  # Sun 23:59 CET
            {"created_at": datetime(2026, 10, 25, 12, 0, tzinfo=UTC), "brand": "globex"},
        ]
    )
    summary = summarize_week(
        current, pd.DataFrame({"brand": ["acme"] * 4}), brands=["acme", "globex"], days=DAYS, tz=BERLIN
    )
    acme = summary.brands["acme"]
    per_day = {d: (m.positive, m.negative) for d, m in acme.by_day}
    assert per_day[date(2026, 10, 19)] == (1, 1) and per_day[date(2026, 10, 25)] == (0, 1)
    assert sum(m.total for _, m in acme.by_day) == 3
    assert (acme.volume, acme.previous_volume, acme.change, acme.change_pct) == (3, 4, -1, -25.0)
    assert acme.share_of_voice == pytest.approx(75.0) and summary.brands[
        "globex"
    ].share_of_voice == pytest.approx(25.0)


def test_mentions_of_unconfigured_brands_are_ignored_and_empty_weeks_work() -> None:
    current = frame([{"created_at": datetime(2026, 10, 20, tzinfo=UTC), "brand": "initech"}])
    summary = summarize_week(current, pd.DataFrame({"brand": []}), brands=["acme"], days=DAYS, tz=BERLIN)
    acme = summary.brands["acme"]
    assert summary.empty and acme.volume == 0 and acme.share_of_voice is None and acme.change_pct is None
    assert (
        [m.total for _, m in acme.by_day] == [0] * 7 and acme.top_positive == [] and acme.negative_terms == []
    )


def test_top_mentions_by_engagement_then_strength_one_per_text() -> None:
    t = datetime(2026, 10, 20, 12, tzinfo=UTC)
    current = frame(
        [
            {
                "created_at": t,
                "label": "negative",
                "compound": -0.9,
                "engagement": None,
                "text": "awful, strong",
            },
            {
                "created_at": t,
                "label": "negative",
                "compound": -0.2,
                "engagement": 50,
                "text": "meh but seen",
            },
            {"created_at": t, "label": "negative", "compound": -0.3, "engagement": 50, "text": "Spam Post"},
            {
                "created_at": t + timedelta(1),
                "label": "negative",
                "compound": -0.3,
                "engagement": 50,
                "text": "spam  post",
            },
            {
                "created_at": t,
                "label": "negative",
                "compound": -0.5,
                "engagement": 0,
                "text": "older",
                "rating": 1,
            },
            {"created_at": t, "label": "positive", "compound": 0.9, "engagement": 3, "text": "great"},
        ]
    )
    week = summarize_week(
        current, pd.DataFrame({"brand": []}), brands=["acme"], days=DAYS, tz=BERLIN, top_n=3
    )
    acme = week.brands["acme"]
    assert [m.text for m in acme.top_negative] == ["Spam Post", "meh but seen", "awful, strong"]
    assert [m.text for m in acme.top_positive] == ["great"]
    top = acme.top_negative[0]
    assert (top.engagement, top.compound, top.rating, top.label) == (50, -0.3, None, "negative")
    assert top.created_at == t


def test_frames_without_the_needed_columns_are_a_clear_error() -> None:
    with pytest.raises(ValueError, match="current mentions lack column"):
        summarize_week(
            pd.DataFrame({"brand": []}), pd.DataFrame({"brand": []}), brands=["a"], days=DAYS, tz=BERLIN
        )
