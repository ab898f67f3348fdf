"""The spike rules' parameters, apart from the detector so settings can be read without pandas
(`monitor.config` loads on every command; the import path should not pay for the detector)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from statistics import NormalDist
from typing import Literal

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class SpikeParams:
    """One set of defaults for every series; the bucket size comes from the data.

    Durations are in time, not in buckets, so the defaults mean the same for 5-minute and hourly
    buckets (a duration shorter than one bucket means one bucket). docs/alerts.md says how each
    default was chosen.
    """

    # Sensitivity, as the user states it: how many false alerts per week (per rule and brand) they
    # accept. The firing level is the statistic's tail probability budget * bucket / week.
    false_alerts_per_week: float = 0.5
    threshold: float | None = None  # expert override: fire at this z instead of the budget's level
    resolve: float = 2.0  # a bucket is "quiet" when every time scale's z is below this
    # An episode opened (or, as the excess lasts, taken over) by a time scale S resolves after
    # min(hold x S, quiet) without a loud bucket at the scales up to S: a burst ends soon after it,
    # a day-long incident only after `quiet` (a night's lull does not split it).
    quiet: timedelta = timedelta(hours=8)
    hold: float = 4.0
    min_count: int = 5  # never fire when the judged span holds fewer mentions (negatives, for shares)
    warmup: timedelta = timedelta(days=2)  # no firing until this much history has been seen
    cooldown: timedelta = timedelta(0)  # optional: after a resolve, no new fire for this long (off)
    halflife: timedelta = timedelta(days=2)  # how fast the level (and the expected share) adapts
    season_halflife: timedelta = timedelta(days=14)  # how fast the hour-of-day/day-of-week profile adapts
    seasonality: Literal["none", "daily", "weekly"] = "weekly"  # daily: hour of day; weekly: + day of week
    # Time scales judged at once (bursts to day-long shifts), Bonferroni-corrected.
    spans: tuple[timedelta, ...] = (
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=8),
        timedelta(days=1),
    )
    share_span: timedelta = timedelta(hours=6)  # the span of the share test: shares need more mentions
    tail_window: timedelta = timedelta(days=14)  # history that sets each scale's own tail model

    def __post_init__(self) -> None:
        if not (self.false_alerts_per_week > 0 and math.isfinite(self.false_alerts_per_week)):
            raise ValueError("false_alerts_per_week must be a positive number")
        if self.threshold is not None and not self.resolve < self.threshold:
            raise ValueError("resolve must be below threshold (hysteresis)")
        if not (self.hold > 0 and math.isfinite(self.hold)):
            raise ValueError("hold must be a positive number")
        if self.min_count < 0:
            raise ValueError("min_count must be >= 0")
        for name in ("warmup", "cooldown", "quiet"):
            if getattr(self, name) < timedelta(0):
                raise ValueError(f"{name} must not be negative")
        for name in ("halflife", "season_halflife", "share_span", "tail_window"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"{name} must be positive")
        if not self.spans or any(s <= timedelta(0) for s in self.spans):
            raise ValueError("spans must be one or more positive durations")
        if self.seasonality not in ("none", "daily", "weekly"):
            raise ValueError("seasonality must be none, daily or weekly")

    def fire_z(self, bucket: timedelta) -> float:
        """The z (one-sided normal equivalent) a bucket must reach to fire, for this bucket size.

        A per-bucket tail probability of budget * bucket / week: if every exceedance were a
        separate alert this is the budget; exceedances cluster into one alert, so it is an upper
        bound. An explicit `threshold` wins.
        """
        if self.threshold is not None:
            return self.threshold
        p = min(0.5, self.false_alerts_per_week * (bucket / WEEK))
        return max(self.resolve + 0.5, -NormalDist().inv_cdf(p))
