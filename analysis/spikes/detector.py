"""Spike detection on bucketed mention counts: is the latest closed bucket anomalously high?

Two tests share one alert lifecycle (analysis/spikes/_lifecycle.py):

- `count_spike`: a count (all mentions, or negative mentions) against its expected level, at
  several time scales at once (bursts of minutes to shifts lasting a day);
- `share_rise`: the negative share among scored mentions against its expected share, with a
  binomial test, so a happy viral day does not fire and a sparse brand's 3 of 4 negatives neither.

Both are causal: the verdict at bucket t uses only buckets <= t, so a backtest over history shows
exactly what the live rule would have said at the time (given the same history start).

How `count_spike` scores a bucket (docs/alerts.md "Detection" explains the choices):

1. Expected count per bucket = level x hour-of-day x day-of-week factor (local time), learnt from
   residuals clipped to 3 robust sigmas, at a quarter of the speed while an alert fires
   (analysis/spikes/_baseline.py).
2. For every span in `spans` (30m, 2h, 8h, 1d; never less than one bucket) the counts of the last
   span are compared with their expected sum on the Anscombe square-root scale, where Poisson noise
   is about 1 at any level: D = 2 sqrt(observed + 3/8) - 2 sqrt(expected + 3/8). The shortest
   span, when it holds at least 3 buckets, is judged a second time without its bucket of largest
   excess (a sustained burst; one-bucket spikes carry the tail of bursty series).
3. Each span's D gets a tail probability from that span's OWN history of D (last `tail_window`):
   a peaks-over-threshold (generalized Pareto) fit, floored by a Gaussian with a robust scale of at
   least 1 (analysis/spikes/_tail.py). Buckets judged while an alert fires never enter that
   history, so an incident cannot inflate the noise scale.
4. Exceedances of a span's statistic come in clusters, one alert each: a span's p-value times its
   extremal index (clusters per exceedance, estimated from the same history) is the probability
   that this bucket starts a new cluster. The smallest over the spans times the number of spans
   (Bonferroni) is the bucket's p, its normal equivalent the score z. The alert fires when
   p < false_alerts_per_week * bucket / week. It stays up while the recent past is loud (the plain
   p-value of the spans no longer than `quiet`, or of a `quiet` window, at the `resolve` z), and
   resolves once `quiet` has passed without a loud bucket.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta, tzinfo
from statistics import NormalDist

import numpy as np
import pandas as pd

from analysis.spikes._baseline import CLIP, Baseline, anscombe, decay
from analysis.spikes._lifecycle import Event, Lifecycle
from analysis.spikes._tail import Tail
from analysis.spikes.params import SpikeParams

__all__ = ["SpikeParams", "Verdict", "binomial_sf", "count_spike", "infer_bucket", "share_rise"]

_NORMAL = NormalDist()
_MAX_SCORE = 40.0  # beyond this a z-score carries no more information; keeps JSON finite
# While an alert fires the baseline learns at a quarter of its speed: an incident of a day or two is
# not absorbed as normal (the alert stays up), while a lasting step up still is within about a week.
_FIRING_RATE = 0.25
# A span is judged once this many spans of history exist (and the warm-up is over): before that its
# own history cannot say what is unusual for it.
_SPANS_OF_HISTORY = 4
# When the shortest span holds at least this many buckets it is judged twice: its sums, and its sums
# without their bucket of largest excess (a sustained burst), each against its own history.
_TRIM_FROM = 3


@dataclass(frozen=True)
class Verdict:
    start: pd.Timestamp  # bucket start, tz-aware UTC
    observed: float  # the count (or the share, for share_rise) in this bucket
    expected: float  # the baseline for this bucket
    score: float  # higher = more anomalous (one-sided normal-equivalent z of the bucket's p-value)
    statistic: str  # what score is, for humans
    firing: bool  # state after this bucket (warm-up, min_count, lifecycle applied)
    event: Event | None  # the transition at this bucket, if any


def infer_bucket(index: pd.DatetimeIndex) -> timedelta:
    """The bucket size of a series: the median spacing of its rows (one hour if it cannot be told)."""
    if len(index) < 2:
        return timedelta(hours=1)
    steps = np.diff(index.asi8)
    return pd.Timedelta(int(np.median(steps)), unit=index.unit).to_pytimedelta()


def _ns(delta: timedelta) -> int:
    return int(pd.Timedelta(delta).value)


class _Window:
    """Sums of the last `span` of buckets (at least the current one): observed and expected."""

    def __init__(self, span: timedelta) -> None:
        self.span = _ns(span)
        self.rows: deque[tuple[int, float, float]] = deque()
        self.observed = 0.0
        self.expected = 0.0

    def add(self, t: int, observed: float, expected: float) -> tuple[float, float]:
        """Add the bucket starting at t (epoch ns) and return the sums over the span ending with it."""
        rows = self.rows
        rows.append((t, observed, expected))
        self.observed += observed
        self.expected += expected
        edge = t - self.span
        while rows[0][0] <= edge:
            _, o, e = rows.popleft()
            self.observed -= o
            self.expected -= e
        return self.observed, self.expected

    def trimmed(self) -> tuple[float, float]:
        """The sums without the bucket of the largest excess (a burst not carried by one bucket)."""
        _, o, e = max(self.rows, key=lambda r: r[1] - r[2])
        return self.observed - o, self.expected - e

    def replace_last(self, observed: float, expected: float) -> None:
        t, o, e = self.rows[-1]
        self.rows[-1] = (t, observed, expected)
        self.observed += observed - o
        self.expected += expected - e


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


def _span_text(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def _z_of_p(p: float) -> float:
    """The one-sided normal quantile of an upper-tail p-value, so every test shares one scale."""
    if p <= 0.0:
        return _MAX_SCORE
    if p >= 0.5:
        return 0.0
    return max(0.0, min(_MAX_SCORE, -_NORMAL.inv_cdf(p)))


def _lifecycle(params: SpikeParams, bucket: timedelta) -> Lifecycle:
    return Lifecycle(params.fire_z(bucket), params.resolve, params.quiet, params.warmup, params.cooldown)


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
    baseline = Baseline(params, bucket)
    spans = sorted({max(s, bucket) for s in params.spans})
    trim = [False] * len(spans)
    if spans[0] >= _TRIM_FROM * bucket:
        spans.insert(1, spans[0])
        trim.insert(1, True)
    quiet = max(params.quiet, bucket)
    # An episode of scale spans[k] is kept up by the spans of at most half its length (the
    # shortest span at least): a span's sum stays high for a whole span after its excess has gone,
    # so only shorter spans can tell that the excess is still there. It ends after holds[k] =
    # min(hold x span, quiet) without a loud bucket among them.
    holds = [min(quiet, max(bucket, params.hold * s)) for s in spans]
    keeps = [max([j for j, s2 in enumerate(spans) if 2 * s2 <= s], default=0) for s in spans]
    windows = [_Window(s) for s in spans]
    # The same sums with every bucket judged while an alert fired counted at its expected value:
    # a new alert needs new excess (a day-long span must not re-fire on the burst just resolved),
    # and the tails learn from these, so an incident never becomes noise.
    clean = [_Window(s) for s in spans]
    tails = [Tail(_ns(params.tail_window), _ns(s)) for s in spans]
    ready_after = [_ns(max(params.warmup, _SPANS_OF_HISTORY * s)) for s in spans]
    span_ns = [_ns(s) for s in spans]
    labels = [_span_text(s) + (" trimmed" if t else "") for s, t in zip(spans, trim, strict=True)]
    life = _lifecycle(params, bucket)
    fire_z = params.fire_z(bucket)
    scale = 0  # the time scale of the firing episode (index into spans)
    opened = 0  # when it fired (epoch ns)
    first: int | None = None
    out: list[Verdict] = []
    n_spans = len(spans)
    for t, value, h, d, dt in zip(
        index, counts.to_numpy(dtype=float), hours, days, _elapsed(index, bucket), strict=True
    ):
        if baseline.level is None:
            if value == 0:  # before the first mention there is no history to learn from (new brand)
                out.append(Verdict(t, 0.0, 0.0, 0.0, "no history yet", False, None))
                continue
            life.begin(t)
            first = t.value
        assert first is not None
        expected = baseline.expected(h, d) if baseline.level is not None else value
        now = t.value
        age = now - first
        stats: list[float] = []
        raw_p = [1.0] * n_spans  # plain tail p of each span's raw sum (loudness)
        raw_ok = [False] * n_spans  # ... holding min_count mentions above expected
        # p: the tail probability of each span's statistic (how loud the bucket is); p * theta: the
        # probability that it starts a new cluster of exceedances (what a false alert is).
        start_p, eligible_p, best_i, eligible_i, judged = 1.0, 1.0, -1, -1, 0
        for i in range(n_spans):
            tail = tails[i]
            raw_observed, raw_expected = windows[i].add(now, value, expected)
            observed_sum, expected_sum = clean[i].add(now, value, expected)
            if trim[i]:
                raw_observed, raw_expected = windows[i].trimmed()
                observed_sum, expected_sum = clean[i].trimmed()
            stat = anscombe(observed_sum) - anscombe(expected_sum)
            stats.append(stat)
            if age < ready_after[i]:
                continue
            judged += 1
            if life.firing and raw_observed > raw_expected:
                raw_p[i] = tail.p_value(anscombe(raw_observed) - anscombe(raw_expected))
                raw_ok[i] = raw_observed - raw_expected >= params.min_count
            if stat <= 0:
                continue
            p = tail.p_value(stat)
            if p >= 0.5:
                continue
            q = p * tail.cluster_share(now)
            if q < start_p:
                start_p, best_i = q, i
            if observed_sum - expected_sum >= params.min_count and q < eligible_p:
                eligible_p, eligible_i = q, i
        z = _z_of_p(min(1.0, start_p * judged))
        hold = None
        loud_z = 0.0
        if life.firing:
            # The excess lasts: a longer span, mostly inside the episode, at the firing level while
            # the episode's own scales are still loud takes the episode over (an outage that goes
            # on for hours is followed at the scale of hours, so a night's lull does not end it).
            kept = keeps[scale] + 1  # Bonferroni over the spans that keep the episode up
            loud_z = _z_of_p(min(1.0, min(raw_p[:kept]) * kept))
            if loud_z >= params.resolve:
                for i in range(n_spans - 1, scale, -1):
                    if (
                        raw_ok[i]
                        and 2 * (now - opened) >= span_ns[i]
                        and _z_of_p(min(1.0, raw_p[i] * judged)) >= fire_z
                    ):
                        scale = i
                        break
            hold = holds[scale]
        event = life.step(t, loud_z, _z_of_p(min(1.0, eligible_p * judged)), hold)
        if event == "fire":
            scale, opened = max(eligible_i, 0), now
        what = f"robust z {z:.1f} over {labels[best_i]}" if best_i >= 0 else "no excess"
        out.append(Verdict(t, float(value), float(expected), z, what, life.firing, event))
        # An incident must not become the noise that hides the next one: buckets judged while an
        # alert fires stay out of every span's history. (During the warm-up everything goes in.)
        if life.firing:
            for window in clean:
                window.replace_last(expected, expected)
        else:
            for tail, stat in zip(tails, stats, strict=True):
                tail.add(t.value, stat)
        baseline.learn(value, expected, h, d, dt, _FIRING_RATE if life.firing else 1.0)
    return out


def episodes(verdicts: Sequence[Verdict]) -> list[tuple[int, int | None]]:
    """One (fire index, resolve index) per alert in a run of verdicts; the resolve index is None
    for an alert still firing at the last verdict."""
    out: list[tuple[int, int | None]] = []
    fired: int | None = None
    for i, v in enumerate(verdicts):
        if v.event == "fire":
            fired = i
        elif v.event == "resolve" and fired is not None:
            out.append((fired, i))
            fired = None
    if fired is not None:
        out.append((fired, None))
    return out


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed in log space (exact; no scipy needed)."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    # Terms are summed away from the mode, where they only shrink, so the sum can stop early: the
    # upper tail from k when k is past the mode, else 1 minus the lower tail below k. The first
    # term comes from log space (no overflow for large n), each next one from the last by
    # P(i + 1) = P(i) (n - i) / (i + 1) p / (1 - p): one multiplication instead of three lgammas.
    upper = k > n * p
    i = k if upper else k - 1
    term = _binomial_pmf(i, n, p)
    odds = p / (1.0 - p)
    total = 0.0
    while 0 <= i <= n:
        total += term
        if term < total * 1e-12:
            break
        if upper:
            term *= (n - i) / (i + 1) * odds
            i += 1
        else:
            term *= i / (n - i + 1) / odds
            i -= 1
    return min(total, 1.0) if upper else max(0.0, 1.0 - total)


def _binomial_pmf(i: int, n: int, p: float) -> float:
    return math.exp(
        math.lgamma(n + 1)
        - math.lgamma(i + 1)
        - math.lgamma(n - i + 1)
        + i * math.log(p)
        + (n - i) * math.log1p(-p)
    )


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
    window = _Window(max(params.share_span, bucket))
    state = _lifecycle(params, bucket)
    where = f" over {_span_text(max(params.share_span, bucket))}"
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
        k_span, n_span = window.add(t.value, k, n)
        pval = binomial_sf(round(k_span), round(n_span), p0) if n_span > 0 else 1.0
        score = _z_of_p(pval) if k_span > n_span * p0 else 0.0
        event = state.step(t, score, score if k_span >= params.min_count else 0.0)
        share = k / n if n > 0 else 0.0
        out.append(Verdict(t, share, p0, score, f"binomial p={pval:.1g}{where}", state.firing, event))
        cap = n * p0 + CLIP * math.sqrt(n * p0 * (1.0 - p0))
        rate = _FIRING_RATE if state.firing else 1.0
        factor = decay(dt * rate, params.halflife)
        neg_sum = neg_sum * factor + rate * min(k, cap)
        scored_sum = scored_sum * factor + rate * n
    return out
