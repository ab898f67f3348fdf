"""Expected count per bucket: level x hour-of-day factor x day-of-week factor (local time)."""

from __future__ import annotations

import math
from datetime import timedelta

from analysis.spikes.params import SpikeParams

CLIP = 3.0  # residuals are clipped to this many robust sigmas before the baseline learns from them


def decay(elapsed: timedelta, halflife: timedelta) -> float:
    return 0.5 ** (elapsed / halflife)


def anscombe(x: float) -> float:
    """Variance-stabilizing transform of a Poisson count: its noise is about 1 at any level."""
    return 2.0 * math.sqrt(max(x, 0.0) + 0.375)


def from_anscombe(a: float) -> float:
    return max((a / 2.0) ** 2 - 0.375, 0.0)


class Factors:
    """Multiplicative factors for one seasonal cycle (24 hours, or 7 days), from time-decayed sums.

    A factor is (observed + prior) / (expected + prior): sums rather than averaged ratios, so an hour
    with three mentions in two weeks moves its factor little and a sparse brand stays flat. The prior
    is worth one cycle of that key at the current level: a factor is trusted as cycles accumulate.
    """

    PRIOR = 2.0  # at least this many pseudo-mentions pull every factor towards 1

    def __init__(self, keys: int) -> None:
        # Sums are kept multiplied by `growth` (= 1 / the decay since the last rebase), so a step
        # decays every key by changing one number instead of all of them.
        self.obs = [0.0] * keys
        self.exp = [0.0] * keys
        self.growth = 1.0
        self.values = [1.0] * keys

    def update(self, key: int, observed: float, expected: float, factor: float, prior: float) -> None:
        self.growth /= factor
        if self.growth > 1e100:
            self.obs = [o / self.growth for o in self.obs]
            self.exp = [e / self.growth for e in self.exp]
            self.growth = 1.0
        self.obs[key] += observed * self.growth
        self.exp[key] += expected * self.growth
        scaled_prior = max(self.PRIOR, prior) * self.growth
        raw = [(o + scaled_prior) / (e + scaled_prior) for o, e in zip(self.obs, self.exp, strict=True)]
        mean = sum(raw) / len(raw)
        self.values = [r / mean for r in raw]


class Baseline:
    """Level x hour-of-day x day-of-week, learnt from clipped residuals (Huber-style updates)."""

    def __init__(self, params: SpikeParams, bucket: timedelta) -> None:
        self.p = params
        self.per_hour = max(1.0, timedelta(hours=1) / bucket)
        self.per_day = max(1.0, timedelta(days=1) / bucket)
        self.level: float | None = None
        self.spread = 1.0  # robust sigma of bucket residuals on the Anscombe scale (Poisson: 1)
        self.seen = 0
        self.hours = Factors(24)
        self.days = Factors(7)

    def expected(self, hour: int, day: int) -> float:
        if self.level is None:
            return 0.0
        return self.level * self.hours.values[hour] * self.days.values[day]

    def learn(
        self, value: float, expected: float, hour: int, day: int, elapsed: timedelta, rate: float
    ) -> None:
        fh, fd = self.hours.values[hour], self.days.values[day]
        self.seen += 1
        if self.level is None:
            self.level = value / (fh * fd)
            return
        resid = anscombe(value) - anscombe(expected)
        limit = CLIP * max(1.0, self.spread)
        kept = from_anscombe(anscombe(expected) + max(-limit, min(limit, resid)))
        # Early on the level is a plain running mean (weight 1/n), later an EWMA.
        alpha = max(1.0 - decay(elapsed * rate, self.p.halflife), 1.0 / self.seen)
        self.level += alpha * (kept / (fh * fd) - self.level)
        # Mean absolute deviation x sqrt(pi/2) = sigma for normal noise.
        self.spread += alpha * (1.2533 * min(abs(resid), limit) - self.spread)
        if self.p.seasonality != "none":
            d = decay(elapsed * rate, self.p.season_halflife)
            self.hours.update(hour, kept, self.level * fd, d, self.level * self.per_hour)
            if self.p.seasonality == "weekly":
                self.days.update(day, kept, self.level * fh, d, self.level * self.per_day)
