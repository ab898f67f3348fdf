"""Weekly aggregates for the summary report: pure computation on DataFrames of stored mentions.

The caller gives the mentions of the week (every configured brand, so share of voice can be
computed) and those of the week before (only `brand` is needed, for the volume change). Days are
the caller's local dates: the week is an ISO week in the configured time zone, not in UTC.

Definitions (shown in the report's notes too):
- sentiment mix: counts of positive / neutral / negative / unscored; unscored text (a language no
  scorer reads) counts in volume and is never folded into neutral;
- net sentiment = (positive - negative) / scored x 100, in -100..100, None when nothing was scored;
- share of voice = a brand's mentions / all configured brands' mentions x 100;
- top mentions: the most engaged-with first (likes, score: what most people saw), then the strongest
  compound score, then the earliest; one per distinct text, so a copy-pasted post appears once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

import pandas as pd

from analysis.terms import UNKNOWN_LANGUAGE, primary_language, top_terms

LABELS = ("positive", "neutral", "negative", "unscored")
REQUIRED_COLUMNS = ("brand", "source", "created_at", "label")


@dataclass(frozen=True, slots=True)
class Mix:
    """Mentions per sentiment label."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0
    unscored: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative + self.unscored

    @property
    def scored(self) -> int:
        return self.positive + self.neutral + self.negative

    @property
    def net_sentiment(self) -> float | None:
        return (self.positive - self.negative) / self.scored * 100 if self.scored else None

    def count(self, label: str) -> int:
        return int(getattr(self, label))

    def share(self, label: str) -> float | None:
        """Percent of all mentions (unscored included, so the four shares add up to 100)."""
        return self.count(label) / self.total * 100 if self.total else None

    @classmethod
    def of(cls, labels: Iterable[str]) -> Mix:
        counts = {label: 0 for label in LABELS}
        for label in labels:
            # Anything unexpected is not a sentiment we can name: count it, as unscored.
            counts[label if label in counts else "unscored"] += 1
        return cls(**counts)


@dataclass(frozen=True, slots=True)
class TopMention:
    source: str
    source_name: str | None
    author: str | None
    created_at: datetime
    url: str | None
    text: str
    title: str | None
    compound: float | None
    label: str
    rating: int | None
    engagement: int | None
    lang: str | None


@dataclass(frozen=True, slots=True)
class BrandWeek:
    brand: str
    mix: Mix
    previous_volume: int
    by_day: list[tuple[date, Mix]]
    by_source: list[tuple[str, Mix]]
    by_language: list[tuple[str, Mix]]
    share_of_voice: float | None
    top_positive: list[TopMention]
    top_negative: list[TopMention]
    negative_terms: list[tuple[str, int]]
    negative_terms_by_language: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def volume(self) -> int:
        return self.mix.total

    @property
    def change(self) -> int:
        return self.volume - self.previous_volume

    @property
    def change_pct(self) -> float | None:
        return self.change / self.previous_volume * 100 if self.previous_volume else None


@dataclass(frozen=True, slots=True)
class WeekSummary:
    brands: dict[str, BrandWeek]

    @property
    def total_volume(self) -> int:
        return sum(b.volume for b in self.brands.values())

    @property
    def empty(self) -> bool:
        return self.total_volume == 0


def summarize_week(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    *,
    brands: Sequence[str],
    days: Sequence[date],
    tz: tzinfo,
    top_n: int = 5,
    n_terms: int = 15,
    exclude_terms: Mapping[str, Iterable[str]] | None = None,
) -> WeekSummary:
    """Aggregate one week per brand.

    `brands` are every configured brand, in display order (share of voice is among them);
    mentions of other brands in the frames are ignored. `days` are the week's local dates, so days
    without mentions still get a row. `exclude_terms` maps a brand to words left out of its
    negative terms (its own names, which would top every list).
    """
    _check_columns(current, REQUIRED_COLUMNS, "current")
    _check_columns(previous, ("brand",), "previous")
    current = current[current["brand"].isin(brands)]
    current = current.assign(_day=pd.to_datetime(current["created_at"], utc=True).dt.tz_convert(tz).dt.date)
    totals = current["brand"].value_counts()
    all_volume = int(totals.sum())
    prev_counts = previous["brand"].value_counts()
    out: dict[str, BrandWeek] = {}
    for brand in brands:
        rows = current[current["brand"] == brand]
        volume = int(totals.get(brand, 0))
        out[brand] = BrandWeek(
            brand=brand,
            mix=Mix.of(rows["label"]),
            previous_volume=int(prev_counts.get(brand, 0)),
            by_day=_by_day(rows, days),
            by_source=_grouped(rows, rows["source"].fillna("unknown").astype(str)),
            by_language=_grouped(rows, _languages(rows)),
            share_of_voice=volume / all_volume * 100 if all_volume else None,
            top_positive=_top(rows, "positive", top_n),
            top_negative=_top(rows, "negative", top_n),
            **_terms(rows, n_terms, (exclude_terms or {}).get(brand, ())),
        )
    return WeekSummary(out)


def _check_columns(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} mentions lack column(s): {', '.join(missing)}")


def _by_day(rows: pd.DataFrame, days: Sequence[date]) -> list[tuple[date, Mix]]:
    per_day: dict[date, list[str]] = {d: [] for d in days}
    for day, label in zip(rows["_day"], rows["label"], strict=True):
        if day in per_day:
            per_day[day].append(label)
    return [(d, Mix.of(labels)) for d, labels in per_day.items()]


def _languages(rows: pd.DataFrame) -> pd.Series:
    if "lang" not in rows.columns:
        return pd.Series(UNKNOWN_LANGUAGE, index=rows.index, dtype=object)
    return rows["lang"].map(lambda v: primary_language(v if isinstance(v, str) else None))


def _grouped(rows: pd.DataFrame, keys: pd.Series) -> list[tuple[str, Mix]]:
    """Mix per key, the biggest first (ties by name, so the order is stable)."""
    groups: dict[str, list[str]] = {}
    for key, label in zip(keys, rows["label"], strict=True):
        groups.setdefault(str(key), []).append(label)
    mixes = [(key, Mix.of(labels)) for key, labels in groups.items()]
    return sorted(mixes, key=lambda kv: (-kv[1].total, kv[0]))


def _value(row: Mapping[str, Any], name: str) -> Any:
    value = row.get(name)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _top(rows: pd.DataFrame, label: str, n: int) -> list[TopMention]:
    picked = rows[rows["label"] == label]
    if picked.empty:
        return []
    strength = picked["compound"].abs().fillna(0) if "compound" in picked.columns else 0
    engagement = picked["engagement"].fillna(0) if "engagement" in picked.columns else 0
    ordered = picked.assign(_strength=strength, _engagement=engagement).sort_values(
        ["_engagement", "_strength", "created_at"], ascending=[False, False, True], kind="mergesort"
    )
    out: list[TopMention] = []
    seen: set[str] = set()
    for row in ordered.to_dict("records"):
        text = str(_value(row, "text") or "")
        key = " ".join(text.lower().split())
        if key in seen:
            continue
        seen.add(key)
        rating, engagement_value = _value(row, "rating"), _value(row, "engagement")
        compound = _value(row, "compound")
        out.append(
            TopMention(
                source=str(row["source"]),
                source_name=_value(row, "source_name"),
                author=_value(row, "author"),
                created_at=pd.Timestamp(row["created_at"]).to_pydatetime(),
                url=_value(row, "url"),
                text=text,
                title=_value(row, "title"),
                compound=float(compound) if compound is not None else None,
                label=label,
                rating=int(rating) if rating is not None else None,
                engagement=int(engagement_value) if engagement_value is not None else None,
                lang=_value(row, "lang"),
            )
        )
        if len(out) == n:
            break
    return out


def _terms(rows: pd.DataFrame, n: int, exclude: Iterable[str]) -> dict[str, Any]:
    negative = rows[rows["label"] == "negative"]
    texts = []
    for row in negative.to_dict("records"):
        title, text = _value(row, "title"), _value(row, "text")
        joined = " ".join(str(part) for part in (title, text) if part)
        texts.append((joined, _value(row, "lang")))
    overall, by_lang = top_terms(texts, n=n, exclude=exclude)
    return {"negative_terms": overall, "negative_terms_by_language": by_lang}
