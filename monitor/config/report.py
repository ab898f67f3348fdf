"""The `[report]` section of settings.toml: when the daemon writes the weekly report, where, in
which formats, how many weeks it keeps, and where it sends them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from connectors.errors import ConfigError
from monitor.config.fields import StrictModel

Format = Literal["html", "md", "csv", "json"]
FORMATS: tuple[Format, ...] = ("html", "md", "csv", "json")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ReportSettings(StrictModel):
    """Defaults: every Monday at 08:00 in the configured time zone, all four formats into
    `reports/` beside settings.toml, the last 12 weeks kept, nothing sent."""

    enabled: bool = True  # the daemon's weekly job; `monitor report` works either way
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    time: str = "08:00"  # HH:MM, local time in `timezone`
    output_dir: str = "reports"  # relative to settings.toml
    formats: list[Format] = Field(default_factory=lambda: list(FORMATS), min_length=1)
    keep: int = Field(12, ge=0)  # weeks of report files kept in output_dir; 0 keeps every week
    deliver: list[str] = []  # alerting target names the daemon sends each week's report to
    top_n: int = Field(5, ge=1, le=50)  # top positive and top negative mentions per brand
    terms: int = Field(15, ge=1, le=100)  # most frequent terms in negative mentions
    brands: list[str] = []  # brands that get a section (default: every brand); all count in share of voice

    @field_validator("time")
    @classmethod
    def _time(cls, v: str) -> str:
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", v.strip())
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise ValueError(f'expected a time of day like "08:00", got {v!r}')
        return f"{int(m.group(1)):02d}:{m.group(2)}"

    @field_validator("formats")
    @classmethod
    def _formats(cls, v: list[Format]) -> list[Format]:
        return list(dict.fromkeys(v))  # a format given twice is written once

    @property
    def hour(self) -> int:
        return int(self.time.split(":")[0])

    @property
    def minute(self) -> int:
        return int(self.time.split(":")[1])


def check_report_settings(
    report: ReportSettings, brands: Iterable[str], path: Path, raw: Any = None
) -> ReportSettings:
    """The checks that need the rest of the settings: section brands must be configured brands, and
    `deliver` must name `[[alerts.targets]]` (read from the raw settings, so a typo fails at load
    time, not a week later when the report is sent)."""
    known = list(brands)
    for i, name in enumerate(report.brands):
        if name not in known:
            raise ConfigError(
                f"{path}: report.brands[{i}]: unknown brand {name!r} (configured: {', '.join(known)})"
            )
    targets = [t.name for t in getattr(getattr(raw, "alerts", None), "targets", None) or []]
    for i, name in enumerate(report.deliver):
        if name not in targets:
            raise ConfigError(
                f"{path}: report.deliver[{i}]: unknown alert target {name!r} "
                f"(configured in [[alerts.targets]]: {', '.join(targets) or 'none'})"
            )
    return report


def output_dir(report: ReportSettings, settings_path: Path) -> Path:
    """`output_dir` resolved against settings.toml's folder, so the daemon works from any cwd."""
    path = Path(report.output_dir).expanduser()
    return path if path.is_absolute() else settings_path.resolve().parent / path
