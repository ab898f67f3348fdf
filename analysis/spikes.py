"""Spike detection on bucketed mention counts: is the latest closed bucket anomalously high?

Two rules share one alert state machine (warm-up, minimum count, hysteresis, cooldown):

- `count_spike`: a count (all mentions, or negative mentions) against its expected level;
- `share_rise`: the negative share among scored mentions against its expected share, with a
  binomial test, so a day with many happy posts does not fire a negative alert.

Both are causal: the verdict at bucket t uses only buckets <= t, so a backtest over history shows
exactly what the live rule would have said at the time (given the same history start).

How `count_spike` scores a bucket (docs/alerts.md "Detection" explains the choices):

1. Expected count = level x hour-of-day factor x day-of-week factor (local time). The level is an
   exponentially weighted mean (half-life `halflife`); the factors are time-decayed ratios of
   observed to level-expected counts (half-life `season_halflife`) shrunk towards 1 by a prior
   worth one cycle, so a profile is believed as cycles accumulate and a sparse brand's stays flat.
   Each bucket updates them with its residual clipped to 3 robust standard deviations, at a
   quarter of the speed while an alert fires: a spike barely moves the baseline, an incident of a
   day or two is not learnt as normal, and a lasting level shift is still absorbed within about a
   week (so an alert on a step up resolves).
2. The last `span` of counts (at least one bucket) is compared with its expected sum on the
   Anscombe square-root scale, whose noise is about 1 for Poisson counts at any level.
3. That residual is divided by a scale learnt from the series' own recent residuals: the 99th
   percentile of the last `tail_window` of residuals, as a normal-equivalent sigma, and never below
   the Poisson floor of 1. Bursty series (Twitter) thus need a bigger excursion than calm ones,
   and sparse series (median 0) are judged against Poisson noise. Buckets judged while an alert
   fires do not enter that sample, so an incident does not hide the next one.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass
from datetime import timedelta, tzinfo
from statistics import NormalDist
from typing import Literal

import numpy as np
import pandas as pd

from analysis.spike_params import SpikeParams

Event = Literal["fire", "resolve"]
_NORMAL = NormalDist()
_MAX_SCORE = 40.0  # beyond this a z-score carries no more information; keeps JSON finite
# While an alert fires the baseline learns at a quarter of its speed: an incident of a day or two is
# not absorbed as normal (the alert stays up), while a lasting step up still is within about a week.
_FIRING_RATE = 0.25
_CLIP = 3.0  # residuals are clipped to this many robust sigmas before the baseline learns from them


@dataclass(frozen=True)
class Verdict:
    start: pd.Timestamp  # bucket start, tz-aware UTC
    observed: float  # the count (or the share, for share_rise) in this bucket
    expected: float  # the baseline for this bucket
    score: float  # higher = more anomalous (z units)
    statistic: str  # what score is, for humans
    firing: bool  # state after this bucket (warm-up, min_count, hysteresis, cooldown applied)
    event: Event | None  # the transition at this bucket, if any


def infer_bucket(index: pd.DatetimeIndex) -> timedelta:
    """The bucket size of a series: the median spacing of its rows (one hour if it cannot be told)."""
    if len(index) < 2:
        return timedelta(hours=1)
    steps = np.diff(index.asi8)
    return pd.Timedelta(int(np.median(steps)), unit=index.unit).to_pytimedelta()


class _Hysteresis:
    """Fire at `threshold`, resolve below `resolve`; warm-up, min_count and cooldown gate a fire."""

    def __init__(self, params: SpikeParams) -> None:
        self.p = params
        self.ready_at: pd.Timestamp | None = None  # set by begin()
        self.firing = False
        self.quiet_until: pd.Timestamp | None = None

    def begin(self, t: pd.Timestamp) -> None:
        """History starts at t (the first bucket with data): the warm-up runs from here."""
        if self.ready_at is None:
            self.ready_at = t + self.p.warmup

    def step(self, t: pd.Timestamp, score: float, count: float) -> Event | None:
        if self.firing:
            if score < self.p.resolve:
                self.firing = False
                self.quiet_until = t + self.p.cooldown
                return "resolve"
            return None
        if (
            self.ready_at is not None
            and t >= self.ready_at
            and score >= self.p.threshold
            and count >= self.p.min_count
            and (self.quiet_until is None or t >= self.quiet_until)
        ):
            self.firing = True
            return "fire"
        return None


def _ns(delta: timedelta) -> int:
    return int(pd.Timedelta(delta).value)


def _decay(elapsed: timedelta, halflife: timedelta) -> float:
    return 0.5 ** (elapsed / halflife)


def _anscombe(x: float) -> float:
    """Variance-stabilizing transform of a Poisson count: its noise is about 1 at any level."""
    return 2.0 * math.sqrt(max(x, 0.0) + 0.375)


def _from_anscombe(a: float) -> float:
    return max((a / 2.0) ** 2 - 0.375, 0.0)


class _Factors:
    """Multiplicative factors for one seasonal cycle (24 hours, or 7 days), from time-decayed sums.

    A factor is (observed + prior) / (expected + prior): sums rather than averaged ratios, so an hour
    with three mentions in two weeks moves its factor little and a sparse brand stays flat. The prior
    is worth one cycle of that key at the current level (one day of "Mondays"): a factor is trusted
    as cycles accumulate, not from its first, possibly odd, occurrence.
    """

    PRIOR = 2.0  # at least this many pseudo-mentions pull every factor towards 1

    def __init__(self, keys: int) -> None:
        # Sums are kept multiplied by `growth` (= 1 / the decay since the last rebase), so a step
        # decays every key by changing one number instead of all of them.
        self.obs = [0.0] * keys
        self.exp = [0.0] * keys
        self.growth = 1.0
        self.values = [1.0] * keys

    def update(self, key: int, observed: float, expected: float, decay: float, prior: float) -> None:
        self.growth /= decay
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


class _Baseline:
    """Expected count per bucket: level x hour-of-day x day-of-week, learnt from clipped residuals."""

    def __init__(self, params: SpikeParams, bucket: timedelta) -> None:
        self.p = params
        self.per_hour = max(1.0, timedelta(hours=1) / bucket)
        self.per_day = max(1.0, timedelta(days=1) / bucket)
        self.level: float | None = None
        self.spread = 1.0  # robust sigma of bucket residuals on the Anscombe scale (Poisson: 1)
        self.seen = 0
        self.hours = _Factors(24)
        self.days = _Factors(7)

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
        resid = _anscombe(value) - _anscombe(expected)
        limit = _CLIP * max(1.0, self.spread)
        kept = _from_anscombe(_anscombe(expected) + max(-limit, min(limit, resid)))
        # Early on the level is a plain running mean (weight 1/n), later an EWMA.
        alpha = max(1.0 - _decay(elapsed * rate, self.p.halflife), 1.0 / self.seen)
        self.level += alpha * (kept / (fh * fd) - self.level)
        # Mean absolute deviation x sqrt(pi/2) = sigma for normal noise.
        self.spread += alpha * (1.2533 * min(abs(resid), limit) - self.spread)
        if self.p.seasonality != "none":
            decay = _decay(elapsed * rate, self.p.season_halflife)
            self.hours.update(hour, kept, self.level * fd, decay, self.level * self.per_hour)
            if self.p.seasonality == "weekly":
                self.days.update(day, kept, self.level * fh, decay, self.level * self.per_day)


class _Window:
    """Sums of the last `span` of buckets (at least the current one)."""

    def __init__(self, span: timedelta, width: int) -> None:
        self.span = _ns(span)
        self.rows: deque[tuple[int, tuple[float, ...]]] = deque()
        self.sums = [0.0] * width

    def add(self, t: int, values: tuple[float, ...]) -> list[float]:
        """Add the bucket starting at t (epoch ns) and return the sums over the span ending with it."""
        self.rows.append((t, values))
        self.sums = [s + v for s, v in zip(self.sums, values, strict=True)]
        while self.rows and self.rows[0][0] <= t - self.span:
            _, old = self.rows.popleft()
            self.sums = [s - v for s, v in zip(self.sums, old, strict=True)]
        return self.sums


class _Tail:
    """The residuals of the last `window` (time), sorted, for a quantile of the series' own noise."""

    QUANTILE = 0.99
    Z = _NORMAL.inv_cdf(QUANTILE)

    def __init__(self, window: timedelta) -> None:
        self.window = _ns(window)
        self.order: deque[tuple[int, float]] = deque()
        self.sorted: list[float] = []

    def sigma(self) -> float:
        """A normal-equivalent sigma from the 99th percentile; never below the Poisson floor 1."""
        if not self.sorted:
            return 1.0
        q = self.sorted[min(len(self.sorted) - 1, int(self.QUANTILE * len(self.sorted)))]
        return max(1.0, q / self.Z)

    def add(self, t: int, value: float) -> None:
        self.order.append((t, value))
        bisect.insort(self.sorted, value)
        while self.order and self.order[0][0] <= t - self.window:
            _, old = self.order.popleft()
            del self.sorted[bisect.bisect_left(self.sorted, old)]


def _check(series: pd.Series, name: str) -> pd.DatetimeIndex:
    index = series.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise ValueError(f"{name}: the index must be tz-aware bucket starts")
    if series.isna().any():
        raise ValueError(f"{name}: missing values (fill empty buckets with 0)")
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise ValueError(f"{name}: bucket starts must strictly increase")
    if (series < 0).any():
        raise ValueError(f"{name}: counts must not be negative")
    return index


def _season_keys(index: pd.DatetimeIndex, tz: tzinfo, bucket: timedelta) -> tuple[list[int], list[int]]:
    """Local hour of day and day of week of each bucket (0 when the bucket is too coarse for them)."""
    local = index.tz_convert(tz)
    hours = list(local.hour) if bucket < timedelta(days=1) else [0] * len(index)
    days = list(local.day_of_week) if bucket < timedelta(days=7) else [0] * len(index)
    return hours, days


def _elapsed(index: pd.DatetimeIndex, bucket: timedelta) -> list[timedelta]:
    """Time since the previous row (the bucket size for the first), so gaps in a CSV decay properly."""
    out = [bucket]
    out.extend(pd.Timedelta(int(d), unit=index.unit).to_pytimedelta() for d in np.diff(index.asi8))
    return out


def _span_text(span: timedelta, bucket: timedelta) -> str:
    if span <= bucket:
        return ""
    minutes = int(span.total_seconds() // 60)
    return f" over {minutes // 60}h" if minutes % 60 == 0 else f" over {minutes}m"


def count_spike(counts: pd.Series, params: SpikeParams, tz: tzinfo) -> list[Verdict]:
    """One verdict per bucket: is this count anomalously high against its expected level?

    counts: index = bucket starts (tz-aware, increasing, empty buckets present as 0), values =
    counts of closed buckets. `tz` is the local time zone of the seasonal profile.
    """
    index = _check(counts, "counts")
    if len(index) == 0:
        return []
    bucket = infer_bucket(index)
    hours, days = _season_keys(index, tz, bucket)
    baseline = _Baseline(params, bucket)
    window = _Window(max(params.span, bucket), 2)
    tail = _Tail(params.tail_window)
    state = _Hysteresis(params)
    where = _span_text(params.span, bucket)
    out: list[Verdict] = []
    for t, value, h, d, dt in zip(
        index, counts.to_numpy(dtype=float), hours, days, _elapsed(index, bucket), strict=True
    ):
        if baseline.level is None:
            if value == 0:  # before the first mention there is no history to learn from (new brand)
                out.append(Verdict(t, 0.0, 0.0, 0.0, "no history yet", False, None))
                continue
            state.begin(t)
        expected = baseline.expected(h, d) if baseline.level is not None else value
        observed_sum, expected_sum = window.add(t.value, (value, expected))
        resid = _anscombe(observed_sum) - _anscombe(expected_sum)
        sigma = tail.sigma()
        score = max(-_MAX_SCORE, min(_MAX_SCORE, resid / sigma))
        event = state.step(t, score, observed_sum)
        out.append(
            Verdict(
                t, float(value), float(expected), score, f"robust z {score:.1f}{where}", state.firing, event
            )
        )
        # An incident must not become the noise that hides the next one: buckets judged while firing
        # stay out of the noise sample. (During the warm-up everything goes in: the scale is still
        # unknown, so "would have fired" means nothing yet.)
        if not state.firing:
            tail.add(t.value, resid)
        baseline.learn(value, expected, h, d, dt, _FIRING_RATE if state.firing else 1.0)
    return out


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed in log space (exact; no scipy needed)."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    lp, lq = math.log(p), math.log1p(-p)
    base = math.lgamma(n + 1)
    total = 0.0
    for i in range(k, n + 1):
        term = math.exp(base - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq)
        total += term
        if i > n * p and term < total * 1e-12:
            break
    return min(total, 1.0)


def _z_of_p(p: float) -> float:
    """The one-sided normal quantile of an upper-tail p-value, so both rules share one threshold."""
    if p <= 0.0:
        return _MAX_SCORE
    if p >= 1.0:
        return 0.0
    return max(0.0, min(_MAX_SCORE, -_NORMAL.inv_cdf(p)))


def share_rise(negative: pd.Series, scored: pd.Series, params: SpikeParams, tz: tzinfo) -> list[Verdict]:
    """One verdict per bucket: is the negative share among scored mentions above its expected share?

    Over the last `share_span`, k negatives among n scored mentions are tested against the
    expected share p0 (one-sided binomial test, p-value shown as a z so one threshold serves both
    rules). A rise in volume at the usual share is not significant, however big.

    p0 is a time-decayed ratio of past negatives to past scored mentions (half-life `halflife`),
    starting from a weak prior of one in five. The negatives it learns from a bucket are capped at
    3 binomial sigmas above p0: an episode barely teaches its own share as normal, while a lasting
    shift is learnt over a few half-lives (so the alert resolves). Share has no hour-of-week
    profile: it is a ratio within the same hours, so volume seasonality cancels out. `tz` is
    accepted for a uniform signature.
    """
    del tz
    index = _check(negative, "negative")
    _check(scored, "scored")
    if not negative.index.equals(scored.index):
        raise ValueError("negative and scored must have the same bucket starts")
    if (negative > scored).any():
        raise ValueError("negative counts cannot exceed scored counts")
    if len(index) == 0:
        return []
    bucket = infer_bucket(index)
    window = _Window(max(params.share_span, bucket), 2)
    state = _Hysteresis(params)
    where = _span_text(params.share_span, bucket)
    neg_sum = scored_sum = 0.0
    out: list[Verdict] = []
    for t, k, n, dt in zip(
        index,
        negative.to_numpy(dtype=float),
        scored.to_numpy(dtype=float),
        _elapsed(index, bucket),
        strict=True,
    ):
        if state.ready_at is None:
            if n == 0:  # no scored mention yet: no history
                out.append(Verdict(t, 0.0, 0.2, 0.0, "no history yet", False, None))
                continue
            state.begin(t)
        p0 = (neg_sum + 0.4) / (scored_sum + 2.0)  # prior: one negative in five, worth two mentions
        k_span, n_span = window.add(t.value, (k, n))
        pval = binomial_sf(round(k_span), round(n_span), p0) if n_span > 0 else 1.0
        score = _z_of_p(pval) if k_span > n_span * p0 else 0.0
        event = state.step(t, score, k_span)
        share = k / n if n > 0 else 0.0
        out.append(Verdict(t, share, p0, score, f"binomial p={pval:.1g}{where}", state.firing, event))
        cap = n * p0 + _CLIP * math.sqrt(n * p0 * (1.0 - p0))
        rate = _FIRING_RATE if state.firing else 1.0
        decay = _decay(dt * rate, params.halflife)
        neg_sum = neg_sum * decay + rate * min(k, cap)
        scored_sum = scored_sum * decay + rate * n
    return out
