"""The `[surveys]`, `[customers]` and `[index]` sections of settings.toml.

Validated by pydantic (unknown keys are errors) and then checked against the brands, with every
mistake reported as one line naming the setting path (`surveys.files[1].brand: unknown brand 'x'`).
Relative file paths are relative to settings.toml, like the `file` source's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from analysis.satisfaction import DEFAULT_RETENTION_RANGE, DEFAULT_WEIGHTS
from connectors.errors import ConfigError
from monitor.config.fields import Duration, StrictModel

SURVEY_COLUMNS = ("respondent_id", "submitted_at", "score", "segment", "comment")


def _check_columns(v: dict[str, str]) -> dict[str, str]:
    for ours, theirs in v.items():
        if ours not in SURVEY_COLUMNS:
            raise ValueError(f"unknown survey column {ours!r} (known: {', '.join(SURVEY_COLUMNS)})")
        if not str(theirs).strip():
            raise ValueError(f"{ours}: the file's column name is empty")
    return v


class SurveyFile(StrictModel):
    path: str
    metric: Literal["csat", "nps", "ces"]
    brand: str | None = None  # default: the only brand
    columns: dict[str, str] = {}  # our column -> the file's, e.g. {score = "rating"}

    @field_validator("columns")
    @classmethod
    def _columns(cls, v: dict[str, str]) -> dict[str, str]:
        return _check_columns(v)


class SurveySettings(StrictModel):
    # CES questions come in two forms; the scale says which one this company asks.
    ces_scale: Literal["1-5", "1-7"] = "1-5"
    columns: dict[str, str] = {}  # default column mapping for every survey import
    files: list[SurveyFile] = []  # imported (idempotently) by the daemon at start and daily

    @field_validator("columns")
    @classmethod
    def _columns(cls, v: dict[str, str]) -> dict[str, str]:
        return _check_columns(v)


class CustomerFile(StrictModel):
    path: str
    brand: str | None = None


class CustomerPeriod(StrictModel):
    """Counts for one period given inline instead of in a CSV."""

    brand: str | None = None
    period_start: date
    period_end: date | None = None  # default: one `customers.period` later
    customers_start: int = Field(ge=0)
    customers_end: int = Field(ge=0)
    new_customers: int = Field(ge=0)
    avg_margin: float | None = None
    discount_rate: float | None = Field(None, gt=0, le=1)

    @model_validator(mode="after")
    def _consistent(self) -> CustomerPeriod:
        retained = self.customers_end - self.new_customers
        if self.customers_start > 0 and not 0 <= retained <= self.customers_start:
            raise ValueError(
                f"customers_end - new_customers = {retained} is outside 0..customers_start "
                f"({self.customers_start})"
            )
        if self.period_end is not None and self.period_end <= self.period_start:
            raise ValueError("period_end must be after period_start")
        return self


class CustomerSettings(StrictModel):
    period: Literal["week", "month"] = "week"  # the length of a row that gives no period_end
    # CLV discounts future margin; given per year (as finance quotes it), converted to each row's period.
    annual_discount_rate: float = Field(0.10, gt=0, le=1)
    avg_margin: float | None = None  # margin per customer per period, for rows without avg_margin
    files: list[CustomerFile] = []
    periods: list[CustomerPeriod] = []


class IndexWeights(StrictModel):
    sentiment: float = Field(DEFAULT_WEIGHTS["sentiment"], ge=0)
    reviews: float = Field(DEFAULT_WEIGHTS["reviews"], ge=0)
    csat: float = Field(DEFAULT_WEIGHTS["csat"], ge=0)
    nps: float = Field(DEFAULT_WEIGHTS["nps"], ge=0)
    ces: float = Field(DEFAULT_WEIGHTS["ces"], ge=0)
    retention: float = Field(DEFAULT_WEIGHTS["retention"], ge=0)

    @model_validator(mode="after")
    def _some(self) -> IndexWeights:
        if not any(math.isfinite(w) and w > 0 for w in self.model_dump().values()):
            raise ValueError("at least one weight must be positive")
        return self


class IndexLookback(StrictModel):
    """How far back a component may reach for its latest data (carry-forward)."""

    sentiment: Duration = timedelta(weeks=1)
    reviews: Duration = timedelta(weeks=4)
    csat: Duration = timedelta(weeks=4)
    nps: Duration = timedelta(weeks=13)
    ces: Duration = timedelta(weeks=4)
    retention: Duration = timedelta(weeks=5)


class IndexSettings(StrictModel):
    period: Literal["week", "month"] = "week"
    weights: IndexWeights = IndexWeights()
    lookback: IndexLookback = IndexLookback()
    # Retention % mapped linearly to 0-100 over this range (clamped): [floor, ceiling].
    retention_range: tuple[float, float] = DEFAULT_RETENTION_RANGE
    trend_periods: int = Field(8, ge=1, le=104)  # periods shown in `monitor index` and recomputed daily
    # A period with fewer observations than this is no data for that component: with one or two answers
    # NPS or net sentiment is often exactly ±100 with a standard error of 0, which would move the index
    # by up to its full weight with a zero-width interval.
    min_n: int = Field(5, ge=1)
    daily_at: str = "00:20"  # local time of the daemon's daily recompute

    @field_validator("retention_range")
    @classmethod
    def _range(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= v[0] < v[1] <= 100:
            raise ValueError(f"expected [floor, ceiling] with 0 <= floor < ceiling <= 100, got {list(v)}")
        return v

    @field_validator("daily_at")
    @classmethod
    def _time(cls, v: str) -> str:
        parts = v.split(":")
        if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[0]) > 23 or int(parts[1]) > 59:
            raise ValueError(f'expected a local time like "00:20", got {v!r}')
        return v


@dataclass(frozen=True)
class SurveyImport:
    """A configured survey file, brand resolved and path absolute."""

    path: Path
    metric: str
    brand: str
    columns: dict[str, str]


@dataclass(frozen=True)
class CustomerImport:
    path: Path
    brand: str


@dataclass(frozen=True)
class SurveyConfig:
    ces_scale: str
    columns: dict[str, str]
    files: tuple[SurveyImport, ...]


@dataclass(frozen=True)
class CustomerConfig:
    period: str
    annual_discount_rate: float
    avg_margin: float | None
    files: tuple[CustomerImport, ...]
    periods: tuple[tuple[str, CustomerPeriod], ...]  # (brand, period)


def _brand(given: str | None, brands: list[str], where: str, path: Path) -> str:
    if given is None:
        if len(brands) == 1:
            return brands[0]
        raise ConfigError(f"{path}: {where}.brand: required when several brands are configured")
    if given not in brands:
        raise ConfigError(f"{path}: {where}.brand: unknown brand {given!r} (configured: {', '.join(brands)})")
    return given


def resolve_surveys(raw: SurveySettings, brands: list[str], base_dir: Path, path: Path) -> SurveyConfig:
    files = tuple(
        SurveyImport(
            path=(base_dir / f.path) if not Path(f.path).is_absolute() else Path(f.path),
            metric=f.metric,
            brand=_brand(f.brand, brands, f"surveys.files[{i}]", path),
            columns={**raw.columns, **f.columns},
        )
        for i, f in enumerate(raw.files)
    )
    return SurveyConfig(raw.ces_scale, dict(raw.columns), files)


def resolve_customers(raw: CustomerSettings, brands: list[str], base_dir: Path, path: Path) -> CustomerConfig:
    files = tuple(
        CustomerImport(
            path=(base_dir / f.path) if not Path(f.path).is_absolute() else Path(f.path),
            brand=_brand(f.brand, brands, f"customers.files[{i}]", path),
        )
        for i, f in enumerate(raw.files)
    )
    periods = tuple(
        (_brand(p.brand, brands, f"customers.periods[{i}]", path), p) for i, p in enumerate(raw.periods)
    )
    return CustomerConfig(raw.period, raw.annual_discount_rate, raw.avg_margin, files, periods)
