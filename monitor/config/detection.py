"""The `[detection]` section of settings.toml: bucket size and the spike detector's parameters.

The defaults are analysis.spikes.params.SpikeParams' defaults (one source of truth); alert rules may
override them per brand.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from analysis.spikes.params import SpikeParams
from monitor.config.durations import parse_duration

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
_D = SpikeParams()


def _nonnegative_duration(value: object) -> timedelta:
    """Like Duration, but "0s" / 0 is allowed (no warm-up, no cooldown)."""
    if value in (0, "0", "0s", "0m", "0h", "0d"):
        return timedelta(0)
    return parse_duration(value)


OptionalDuration = Annotated[timedelta, BeforeValidator(_nonnegative_duration)]


class DetectionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bucket: Duration = timedelta(hours=1)
    false_alerts_per_week: float = Field(_D.false_alerts_per_week, gt=0, le=1000)
    threshold: float | None = Field(_D.threshold, gt=0, le=40)
    resolve: float = Field(_D.resolve, ge=-40, le=40)
    quiet: OptionalDuration = _D.quiet
    hold: float = Field(_D.hold, gt=0, le=100)
    min_count: int = Field(_D.min_count, ge=0)
    warmup: OptionalDuration = _D.warmup
    cooldown: OptionalDuration = _D.cooldown
    halflife: Duration = _D.halflife
    season_halflife: Duration = _D.season_halflife
    seasonality: Literal["none", "daily", "weekly"] = _D.seasonality
    spans: tuple[Duration, ...] = Field(_D.spans, min_length=1, max_length=8)
    share_span: Duration = _D.share_span
    tail_window: Duration = _D.tail_window

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.threshold is not None and self.resolve >= self.threshold:
            raise ValueError(
                f"resolve ({self.resolve}) must be below threshold ({self.threshold}): "
                "an alert fires above threshold and resolves below resolve"
            )
        if self.bucket.total_seconds() != int(self.bucket.total_seconds()):
            raise ValueError(f"bucket must be a whole number of seconds, got {self.bucket}")
        return self

    def to_params(self) -> SpikeParams:
        return SpikeParams(**{f: getattr(self, f) for f in SpikeParams.__dataclass_fields__})
