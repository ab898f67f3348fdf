"""settings.toml: loading and validation into Settings (each section's model: its module in monitor/config/).

Every mistake becomes one line naming the setting path, e.g.
`settings.toml: sources[2].interval: expected a duration like "15m", got "soon"`, raised as
ConfigError (exit status 2). Paths index arrays from 0, as TOML tools and jq do.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from analysis.sentiment.lexicon import LexiconError, LexiconOverrides
from connectors import registry
from connectors.errors import ConfigError
from connectors.query import Query, parse_query
from connectors.spec import SourceSpec
from monitor.config.alerts import AlertConfig, AlertsSection, resolve_alerts
from monitor.config.detection import DetectionSettings
from monitor.config.errors import first_error
from monitor.config.fields import Duration, Name, StrictModel
from monitor.config.index import (
    CustomerConfig,
    CustomerSettings,
    IndexSettings,
    SurveyConfig,
    SurveySettings,
    resolve_customers,
    resolve_surveys,
)
from monitor.config.report import ReportSettings, check_report_settings

DEFAULT_CONFIG = "settings.toml"


class StorageSettings(StrictModel):
    url: str = "sqlite:///data/monitor.db"


class BrandSettings(StrictModel):
    name: Name
    query: str
    display_name: str | None = None
    # Words whose sentiment differs for this brand: {word = valence (-4..4) or "neutral"}.
    lexicon: dict[str, Any] = {}

    @field_validator("query")
    @classmethod
    def _query(cls, v: str) -> str:
        try:
            parse_query(v)
        except ConfigError as exc:  # pydantic reports only ValueError with the field's path
            raise ValueError(str(exc)) from None
        return v


class SourceSettings(BaseModel):
    """The keys every source has; type-specific keys are checked by the connector's Options."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: Name
    type: str
    brands: list[str] | None = None  # None: every brand
    interval: Duration = timedelta(minutes=15)
    match: Literal["query", "scoped"] = "query"
    base_url: str | None = None
    enabled: bool = True
    timeout: Duration = timedelta(seconds=30)
    overlap: Duration = timedelta(minutes=5)
    circuit_after: int = Field(5, ge=1, le=1000)  # consecutive failures that open the circuit
    circuit_max: Duration = timedelta(hours=1)  # longest pause of an open circuit

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in registry.CONNECTOR_MODULES:
            raise ValueError(f"unknown source type {v!r} (known: {', '.join(registry.known_types())})")
        return v

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"expected an http(s) URL, got {v!r}")
        return v


class DaemonSettings(StrictModel):
    workers: int = Field(4, ge=1, le=32)
    jitter: Duration = timedelta(seconds=30)  # upper bound; each job also gets at most 10% of its interval


class RawSettings(StrictModel):
    timezone: str = "UTC"
    storage: StorageSettings = StorageSettings()
    daemon: DaemonSettings = DaemonSettings()
    brands: list[BrandSettings] = Field(min_length=1)
    sources: list[SourceSettings] = []
    detection: DetectionSettings = DetectionSettings()
    alerts: AlertsSection = AlertsSection()
    surveys: SurveySettings = SurveySettings()
    customers: CustomerSettings = CustomerSettings()
    index: IndexSettings = IndexSettings()
    report: ReportSettings = ReportSettings()

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f'unknown time zone {v!r} (expected an IANA name like "Europe/Istanbul")'
            ) from None
        return v


@dataclass(frozen=True)
class Brand:
    name: str
    query: Query
    display_name: str
    lexicon: LexiconOverrides = field(default_factory=LexiconOverrides)


@dataclass(frozen=True)
class Source:
    settings: SourceSettings
    spec: SourceSpec
    brands: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def type(self) -> str:
        return self.settings.type

    @property
    def scoped(self) -> bool:
        return self.settings.match == "scoped"


@dataclass(frozen=True)
class Settings:
    path: Path
    timezone: ZoneInfo
    storage_url: str
    daemon: DaemonSettings
    brands: dict[str, Brand]
    sources: dict[str, Source]
    detection: DetectionSettings
    alerts: AlertConfig
    surveys: SurveyConfig
    customers: CustomerConfig
    index: IndexSettings
    report: ReportSettings

    def brand(self, name: str) -> Brand:
        if name not in self.brands:
            raise ConfigError(f"unknown brand {name!r} (configured: {', '.join(self.brands)})")
        return self.brands[name]

    def source(self, name: str) -> Source:
        if name not in self.sources:
            raise ConfigError(f"unknown source {name!r} (configured: {', '.join(self.sources) or 'none'})")
        return self.sources[name]


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--config, else $MONITOR_CONFIG, else ./settings.toml."""
    return Path(explicit or os.environ.get("MONITOR_CONFIG") or DEFAULT_CONFIG)


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read and validate settings.toml; any problem raises ConfigError with one line."""
    path = config_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: settings file not found (use --config or MONITOR_CONFIG)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read settings: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "... (at line 7, column 3)"; keep that, it names the place.
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from None
    return parse_settings(data, path)


def parse_settings(data: dict[str, Any], path: Path) -> Settings:
    try:
        raw = RawSettings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {first_error(exc)}") from None
    brands = {
        b.name: Brand(b.name, parse_query(b.query), b.display_name or b.name, _lexicon(b, i, path))
        for i, b in enumerate(raw.brands)
    }
    _check_unique([b.name for b in raw.brands], "brands", path)
    _check_unique([s.name for s in raw.sources], "sources", path)
    base_dir = path.resolve().parent
    sources: dict[str, Source] = {}
    for i, s in enumerate(raw.sources):
        for j, b in enumerate(s.brands or []):
            if b not in brands:
                raise ConfigError(
                    f"{path}: sources[{i}].brands[{j}]: unknown brand {b!r} (configured: {', '.join(brands)})"
                )
        module = registry.connector_module(s.type)
        try:
            options = module.Options.model_validate(s.model_extra or {})
        except ValidationError as exc:
            raise ConfigError(f"{path}: {first_error(exc, prefix=f'sources[{i}]')}") from None
        spec = SourceSpec(
            name=s.name,
            type=s.type,
            options=options,
            base_url=s.base_url,
            timeout=s.timeout.total_seconds(),
            base_dir=base_dir,
            overlap=s.overlap.total_seconds(),
        )
        sources[s.name] = Source(s, spec, tuple(s.brands or brands))
    return Settings(
        path=path,
        timezone=ZoneInfo(raw.timezone),
        storage_url=_resolve_storage_url(raw.storage.url, base_dir),
        daemon=raw.daemon,
        brands=brands,
        sources=sources,
        detection=raw.detection,
        alerts=resolve_alerts(
            raw.alerts,
            brands=list(brands),
            sources=sources,
            detection=raw.detection,
            base_dir=base_dir,
            path=path,
        ),
        surveys=resolve_surveys(raw.surveys, list(brands), base_dir, path),
        customers=resolve_customers(raw.customers, list(brands), base_dir, path),
        index=raw.index,
        report=check_report_settings(raw.report, brands, path, raw),
    )


def _lexicon(brand: BrandSettings, index: int, path: Path) -> LexiconOverrides:
    try:
        return LexiconOverrides.parse(brand.lexicon)
    except LexiconError as exc:
        raise ConfigError(f"{path}: brands[{index}].lexicon.{exc.word}: {exc.reason}") from None


def _check_unique(names: list[str], where: str, path: Path) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ConfigError(f"{path}: {where}[{i}].name: duplicate name {name!r}")
        seen.add(name)


def _resolve_storage_url(url: str, base_dir: Path) -> str:
    """A relative SQLite path is relative to settings.toml, so the daemon works from any cwd."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        rel = url[len(prefix) :]
        return prefix + str(base_dir / rel)
    return url
