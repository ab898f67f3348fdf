"""The spike rules' parameters, apart from the detector so settings can be read without pandas
(`monitor.config` loads on every command; the import path should not pay for the detector)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal


@dataclass(frozen=True)
class SpikeParams:
    """One set of defaults for every series; the bucket size comes from the data.

    Durations are in time, not in buckets, so the defaults mean the same for 5-minute and hourly
    buckets (a duration shorter than one bucket means one bucket).
    """

    threshold: float = 4.0  # fire when the score reaches this (z units, one-sided)
    resolve: float = 2.0  # resolve when the score falls below this (hysteresis: resolve < threshold)
    min_count: int = 5  # never fire when the judged span holds fewer mentions (negatives, for shares)
    warmup: timedelta = timedelta(days=2)  # no firing until this much history has been seen
    cooldown: timedelta = timedelta(hours=24)  # after a resolve, no new fire for this long
    halflife: timedelta = timedelta(days=2)  # how fast the level (and the expected share) adapts
    season_halflife: timedelta = timedelta(days=14)  # how fast the hour-of-day/day-of-week profile adapts
    seasonality: Literal["none", "daily", "weekly"] = "weekly"  # daily: hour of day; weekly: + day of week
    span: timedelta = timedelta(minutes=30)  # counts judged together (summed over the last span)
    share_span: timedelta = timedelta(hours=6)  # the same for share_rise: shares need more mentions
    tail_window: timedelta = timedelta(days=14)  # history that sets the noise scale of a series

    def __post_init__(self) -> None:
        if not self.resolve < self.threshold:
            raise ValueError("resolve must be below threshold (hysteresis)")
        if self.min_count < 0:
            raise ValueError("min_count must be >= 0")
        for name in ("warmup", "cooldown"):
            if getattr(self, name) < timedelta(0):
                raise ValueError(f"{name} must not be negative")
        for name in ("halflife", "season_halflife", "span", "share_span", "tail_window"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"{name} must be positive")
        if self.seasonality not in ("none", "daily", "weekly"):
            raise ValueError("seasonality must be none, daily or weekly")
