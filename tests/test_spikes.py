"""analysis.spikes on hand-made series: one episode = one fire + one resolve, and the things that
must never fire (warm-up, sparse noise, daily peaks, a volume rise at the usual share)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.spikes.detector import Verdict, binomial_sf, count_spike, infer_bucket, share_rise
from analysis.spikes.params import SpikeParams

T0 = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday
HOUR = timedelta(hours=1)
ISTANBUL = ZoneInfo("Europe/Istanbul")
P = SpikeParams()
QUIET = int(P.quiet / HOUR)  # hours without a loud bucket before an alert resolves
FIRE_Z = P.fire_z(HOUR)  # the z an hourly bucket must reach under the default budget


def hourly(values: np.ndarray | list[float], start: datetime = T0, step: timedelta = HOUR) -> pd.Series:
    index = pd.date_range(start, periods=len(values), freq=step, tz=UTC)
    return pd.Series(np.asarray(values, dtype=float), index=index)


def poisson(rate: float | np.ndarray, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).poisson(np.broadcast_to(rate, (n,))).astype(float)


def events(verdicts: list[Verdict]) -> list[tuple[int, str]]:
    return [(i, v.event) for i, v in enumerate(verdicts) if v.event]


def fires(verdicts: list[Verdict]) -> list[int]:
    return [i for i, v in enumerate(verdicts) if v.event == "fire"]


@pytest.mark.parametrize("seed", range(5))
def test_one_injected_spike_fires_once_and_resolves_once(seed: int) -> None:
    values = poisson(20, 24 * 21, seed)
    at = 24 * 14 + 10  # day 15, 10:00
    values[at : at + 3] = [70, 85, 60]
    verdicts = count_spike(hourly(values), P, UTC)
    got = events(verdicts)
    assert [e for _, e in got] == ["fire", "resolve"]
    assert got[0][0] == at
    # the burst, `quiet`, and noise buckets at the resolve level that re-arm it (known: up to ~half a day)
    assert at < got[1][0] <= at + 3 + QUIET + 12
    fired = verdicts[at]
    assert fired.observed == 70 and 15 < fired.expected < 25 and fired.score >= FIRE_Z
    assert fired.statistic.startswith("robust z ")
    assert all(v.firing for v in verdicts[at : got[1][0]]) and not verdicts[got[1][0]].firing


def test_verdict_fields() -> None:
    verdicts = count_spike(hourly(poisson(20, 100, 1)), P, UTC)
    assert len(verdicts) == 100
    assert verdicts[5].start == pd.Timestamp(T0 + 5 * HOUR)
    assert str(verdicts[5].start.tz) == "UTC"


def test_warm_up_never_fires() -> None:
    values = poisson(20, 24 * 10, 2)
    values[30:33] = 90  # 30 hours in: inside the 2-day warm-up
    verdicts = count_spike(hourly(values), P, UTC)
    assert verdicts[30].score >= FIRE_Z  # it would have fired but for the warm-up
    assert not any(v.firing for v in verdicts)


def test_a_warm_up_incident_is_learnt_as_noise_until_it_leaves_the_tail_window() -> None:
    # The documented trade-off: during the warm-up the noise scale is unknown, so everything is
    # learnt, an incident included; the same spike fires again once that has left `tail_window`.
    values = poisson(20, 24 * 24, 2)
    values[30:33] = 90
    values[24 * 20 : 24 * 20 + 3] = 90  # day 21: the first incident is 19.5 days old
    assert fires(count_spike(hourly(values), P, UTC)) == [24 * 20]


def test_warm_up_counts_from_the_first_mention_not_from_empty_history() -> None:
    # A brand added today: a week of empty buckets before its first mention is not history.
    values = np.concatenate([np.zeros(24 * 7), poisson(20, 24 * 5, 3)])
    values[24 * 7 + 10 : 24 * 7 + 13] = 90  # ten hours after the first mention
    verdicts = count_spike(hourly(values), P, UTC)
    assert not any(v.firing for v in verdicts[: 24 * 9])
    assert verdicts[0].statistic == "no history yet"


@pytest.mark.parametrize("seed", range(5))
def test_sparse_brand_never_fires(seed: int) -> None:
    # median 0 per bucket, occasional 1-2 (and rarely 3): 90 days of a quiet brand
    values = poisson(0.15, 24 * 90, seed)
    assert np.median(values) == 0 and values.max() >= 2
    assert fires(count_spike(hourly(values), P, UTC)) == []


def test_sparse_brand_with_a_real_burst_fires() -> None:
    values = poisson(0.15, 24 * 30, 7)
    values[24 * 20 : 24 * 20 + 2] = [9, 12]
    assert fires(count_spike(hourly(values), P, UTC)) == [24 * 20]


def test_min_count_blocks_tiny_bursts() -> None:
    values = np.zeros(24 * 30)
    values[::97] = 1  # a mention every four days or so
    values[24 * 20] = 4  # by far the largest, but only 4 mentions
    # With the default threshold the Poisson floor alone needs 7 mentions where ~0 are expected;
    # min_count is the guard for rules configured more sensitive than that.
    assert fires(count_spike(hourly(values), P, UTC)) == []
    sensitive = replace(P, threshold=2.5)
    verdicts = count_spike(hourly(values), sensitive, UTC)
    assert verdicts[24 * 20].score >= sensitive.threshold
    assert fires(verdicts) == []
    assert fires(count_spike(hourly(values), replace(sensitive, min_count=3), UTC)) == [24 * 20]


@pytest.mark.parametrize("seed", range(3))
def test_level_shift_is_absorbed_one_fire_at_most_and_it_resolves(seed: int) -> None:
    values = np.concatenate([poisson(20, 24 * 14, seed), poisson(60, 24 * 40, seed + 100)])
    verdicts = count_spike(hourly(values), P, UTC)
    got = events(verdicts)
    assert [e for _, e in got] in ([], ["fire", "resolve"])
    if got:
        assert got[0][0] >= 24 * 14
    assert not verdicts[-1].firing
    assert 50 < verdicts[-1].expected < 70  # the new level is the expected level now


def test_a_second_surge_after_resolution_is_a_second_alert() -> None:
    values = poisson(20, 24 * 21, 4)
    first = 24 * 14 + 9
    second = first + 2 + QUIET + 16  # the first has resolved by then
    values[first : first + 2] = 90
    values[second : second + 2] = 90
    verdicts = count_spike(hourly(values), P, UTC)
    assert [e for _, e in events(verdicts)] == ["fire", "resolve", "fire", "resolve"]
    assert fires(verdicts) == [first, second]
    # An explicit cooldown (off by default) is what would hide the second one.
    merged = count_spike(hourly(values), replace(P, cooldown=timedelta(hours=24)), UTC)
    assert fires(merged) == [first]


@pytest.mark.parametrize("seed", range(3))
def test_an_incident_lasting_hours_stays_one_firing_alert(seed: int) -> None:
    values = poisson(20, 24 * 21, 50 + seed)
    at = 24 * 14 + 8
    values[at : at + 10] = poisson(50, 10, 60 + seed)  # ten hours at 2.5 times the level
    verdicts = count_spike(hourly(values), P, UTC)
    during = [(i, e) for i, e in events(verdicts) if i >= at]
    assert [e for _, e in during] == ["fire", "resolve"]
    start = during[0][0]
    assert start <= at + 2
    assert all(v.firing for v in verdicts[start : at + 10])  # firing for the whole incident
    assert not verdicts[at + 10 + QUIET + 14].firing


def test_the_noise_scale_is_not_inflated_by_an_incident() -> None:
    values = poisson(20, 24 * 35, 21)
    day = 24 * 14
    values[day : day + 30] = poisson(80, 30, 22)  # a 30-hour incident at 4x
    later = day + 24 * 3 + 10
    values[later : later + 2] = [55, 60]  # three days later, a modest burst
    verdicts = count_spike(hourly(values), P, UTC)
    assert fires(verdicts) == [day, later]


def test_the_false_alert_budget_moves_sensitivity() -> None:
    strict, lax = replace(P, false_alerts_per_week=0.05), replace(P, false_alerts_per_week=5.0)
    assert strict.fire_z(HOUR) > P.fire_z(HOUR) > lax.fire_z(HOUR)
    values = poisson(20, 24 * 28, 31)
    for k, at in enumerate(range(24 * 14 + 5, 24 * 27, 24)):  # daily bursts of growing size
        values[at] = 28 + 3 * k
    counts = [len(fires(count_spike(hourly(values), q, UTC))) for q in (strict, P, lax)]
    assert counts[0] <= counts[1] <= counts[2] and counts[0] < counts[2]


def test_a_sparse_brands_three_of_four_negative_does_not_fire() -> None:
    scored = np.zeros(24 * 30)
    negative = np.zeros(24 * 30)
    scored[::5] = 1  # a mention every five hours, one in five negative
    negative[::25] = 1
    at = 24 * 20
    scored[at] = 4
    negative[at] = 3  # 3 of 4 negative in an hour
    assert not any(v.firing for v in share_rise(hourly(negative), hourly(scored), P, UTC))
    assert not any(v.firing for v in count_spike(hourly(negative), P, UTC))


def _daily_peak(days: int, tz: ZoneInfo, seed: int) -> pd.Series:
    index = pd.date_range(T0, periods=24 * days, freq="h", tz=UTC)
    local_hour = index.tz_convert(tz).hour
    rate = np.where(local_hour == 19, 60.0, np.where((local_hour >= 1) & (local_hour <= 6), 1.0, 8.0))
    return pd.Series(np.random.default_rng(seed).poisson(rate).astype(float), index=index)


@pytest.mark.parametrize("seed", range(3))
def test_daily_peak_at_19_local_does_not_fire(seed: int) -> None:
    series = _daily_peak(42, ISTANBUL, seed)
    verdicts = count_spike(series, P, ISTANBUL)
    assert len(fires(verdicts)) <= 1  # six weeks at a budget of 0.5 a week: at most one
    peaks = [v for v in verdicts[24 * 14 :] if v.start.tz_convert(ISTANBUL).hour == 19]
    assert all(40 < v.expected < 80 for v in peaks)  # the baseline knows the peak hour


def test_the_profile_is_in_local_time() -> None:
    series = _daily_peak(28, ISTANBUL, 9)
    local = count_spike(series, P, ISTANBUL)[-48:]
    shifted = count_spike(series, P, ZoneInfo("America/New_York"))[-48:]
    # Same data, same profile: the hour keys differ but both learn where the peak is.
    assert [v.expected for v in local] == pytest.approx([v.expected for v in shifted], rel=0.2)
    peak = max(local, key=lambda v: v.expected)
    assert peak.start.tz_convert(ISTANBUL).hour == 19


def test_the_same_peak_at_an_unusual_hour_fires() -> None:
    series = _daily_peak(28, ISTANBUL, 10)
    at = series.index.get_loc(pd.Timestamp("2026-09-30 00:00", tz=ISTANBUL).tz_convert(UTC))
    series.iloc[at] = 60  # the evening peak's size, at midnight
    assert fires(count_spike(series, P, ISTANBUL)) == [at]


@pytest.mark.parametrize("seed", range(3))
def test_weekday_profile_does_not_fire_on_busy_weekdays(seed: int) -> None:
    index = pd.date_range(T0, periods=24 * 56, freq="h", tz=UTC)
    rate = np.where(index.day_of_week >= 5, 10.0, 25.0)  # weekdays 2.5 times the weekend
    series = pd.Series(np.random.default_rng(seed).poisson(rate).astype(float), index=index)
    verdicts = count_spike(series, P, UTC)
    assert fires(verdicts) == []
    saturday, monday = verdicts[-24 * 2 + 5], verdicts[-24 * 7 + 5]  # in the last week
    assert saturday.start.day_of_week == 5 and saturday.expected < 15
    assert monday.start.day_of_week == 0 and monday.expected > 20


def test_five_minute_buckets_use_the_same_time_based_defaults() -> None:
    step = timedelta(minutes=5)
    values = poisson(20, 12 * 24 * 7, 12)
    at = 12 * 24 * 5
    values[at : at + 6] = 60
    series = hourly(values, step=step)
    assert infer_bucket(series.index) == step
    verdicts = count_spike(series, P, UTC)
    assert not any(v.firing for v in verdicts[: 12 * 48])  # warm-up is 2 days, not 48 buckets
    assert len(fires(verdicts)) == 1 and at <= fires(verdicts)[0] < at + 6
    assert verdicts[fires(verdicts)[0]].statistic.endswith("over 30m")


@pytest.mark.parametrize("seed", [0, 2, 4])
def test_a_sustained_burst_stands_out_among_single_bucket_spikes(seed: int) -> None:
    # Retweet-like single-bucket spikes every ~6 h make the plain 30-minute sum heavy-tailed; the
    # same span without its largest bucket is not, so a sustained 3x burst fires within 15 minutes.
    step = timedelta(minutes=5)
    rng = np.random.default_rng(seed)
    values = poisson(20, 12 * 24 * 14, seed)
    for start in range(0, len(values) - 72, 72):
        values[start + int(rng.integers(0, 72))] = 150
    at = 12 * 24 * 12 + 7
    values[at : at + 6] = 60
    verdicts = count_spike(hourly(values, step=step), P, UTC)
    assert len(fires(verdicts)) == 1 and at <= fires(verdicts)[0] < at + 3
    assert verdicts[fires(verdicts)[0]].statistic.endswith("over 30m trimmed")


def test_a_single_bucket_spike_on_a_quiet_series_still_fires() -> None:
    step = timedelta(minutes=5)
    values = poisson(20, 12 * 24 * 7, 5)
    at = 12 * 24 * 5
    values[at] = 150
    verdicts = count_spike(hourly(values, step=step), P, UTC)
    assert fires(verdicts) == [at]
    assert verdicts[at].statistic.endswith("over 30m")


@settings(max_examples=30, deadline=None)
@given(
    data=st.lists(st.integers(0, 60), min_size=60, max_size=200),
    cut=st.integers(1, 200),
    spike=st.integers(0, 400),
)
def test_causal_a_prefix_gets_the_same_verdicts(data: list[int], cut: int, spike: int) -> None:
    values = np.array(data, dtype=float)
    values[len(values) // 2] += spike
    params = replace(P, warmup=timedelta(hours=12), cooldown=timedelta(hours=3))
    series = hourly(values)
    whole = count_spike(series, params, ISTANBUL)
    cut = min(cut, len(values))
    assert count_spike(series.iloc[:cut], params, ISTANBUL) == whole[:cut]
    scored = series + 5
    whole_share = share_rise(series, scored, params, ISTANBUL)
    assert share_rise(series.iloc[:cut], scored.iloc[:cut], params, ISTANBUL) == whole_share[:cut]


def test_share_rise_ignores_a_volume_rise_at_the_usual_share() -> None:
    rng = np.random.default_rng(13)
    scored = rng.poisson(20, 24 * 21).astype(float)
    scored[24 * 14 : 24 * 15] *= 6  # a viral day: six times the mentions...
    negative = rng.binomial(scored.astype(int), 0.2).astype(float)  # ...at the usual 20 % negative
    verdicts = share_rise(hourly(negative), hourly(scored), P, UTC)
    assert fires(verdicts) == []
    # while the negative COUNT rule does see more negatives (that is what it is for)
    assert fires(count_spike(hourly(negative), P, UTC)) != []


def test_share_rise_fires_on_a_share_rise_at_constant_volume() -> None:
    rng = np.random.default_rng(14)
    scored = rng.poisson(20, 24 * 21).astype(float)
    share = np.full(len(scored), 0.2)
    at = 24 * 14 + 9
    share[at : at + 12] = 0.6
    negative = rng.binomial(scored.astype(int), share).astype(float)
    verdicts = share_rise(hourly(negative), hourly(scored), P, UTC)
    got = events(verdicts)
    assert [e for _, e in got] == ["fire", "resolve"]
    assert at <= got[0][0] <= at + 3
    fired = verdicts[got[0][0]]
    assert fired.expected == pytest.approx(0.2, abs=0.05) and fired.observed > 0.4
    assert fired.statistic.startswith("binomial p=")


def test_share_rise_with_no_scored_mentions_is_quiet() -> None:
    zeros = hourly(np.zeros(24 * 5))
    assert not any(v.firing for v in share_rise(zeros, zeros, P, UTC))


def test_binomial_tail_is_exact() -> None:
    assert binomial_sf(0, 10, 0.3) == 1.0
    assert binomial_sf(11, 10, 0.3) == 0.0
    assert binomial_sf(10, 10, 0.5) == pytest.approx(0.5**10)
    assert binomial_sf(2, 3, 0.5) == pytest.approx(0.5)  # P(2) + P(3) = 3/8 + 1/8
    assert binomial_sf(60, 100, 0.2) < 1e-15


def test_bad_input_and_params_are_refused() -> None:
    with pytest.raises(ValueError, match="tz-aware"):
        count_spike(pd.Series([1.0, 2.0], index=pd.date_range("2026-01-01", periods=2, freq="h")), P, UTC)
    with pytest.raises(ValueError, match="missing values"):
        count_spike(hourly([1.0, float("nan")]), P, UTC)
    with pytest.raises(ValueError, match="same bucket starts"):
        share_rise(hourly([1.0, 2.0]), hourly([3.0, 4.0, 5.0]), P, UTC)
    with pytest.raises(ValueError, match="hysteresis"):
        SpikeParams(threshold=2.0, resolve=3.0)
    with pytest.raises(ValueError, match="false_alerts_per_week"):
        SpikeParams(false_alerts_per_week=0)
    assert count_spike(hourly([]), P, UTC) == []


def test_binomial_sf_equals_the_exact_sum() -> None:
    """Against exact rational arithmetic, on both sides of the mode and near p = 0 and 1 (where one
    tail's first term underflows while the sum does not)."""
    import random
    from fractions import Fraction

    def exact(k: int, n: int, p: float) -> float:
        q = Fraction(p)
        return float(sum(math.comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(max(k, 0), n + 1)))

    rng = random.Random(0)
    for _ in range(400):
        n = rng.randint(1, 300)
        k = rng.randint(1, n)
        p = rng.choice([rng.random(), rng.random() * 0.02, 1 - rng.random() * 0.02])
        want = exact(k, n, p)
        if want > 1e-280:
            assert binomial_sf(k, n, p) == pytest.approx(want, rel=1e-9), (k, n, p)
    assert binomial_sf(17, 225, 0.998) == pytest.approx(1.0)
