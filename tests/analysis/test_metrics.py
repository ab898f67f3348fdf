"""Survey and customer metrics against answers computed by hand (the arithmetic is in the comments,
z = 1.96 throughout), plus the no-data and bad-input cases."""

from __future__ import annotations

import math

import pytest

from analysis.metrics import (
    MetricResult,
    ces,
    churn,
    clv,
    compound_rate,
    csat,
    net_sentiment,
    nps,
    retention,
    review_stars,
    t_quantile,
    wilson,
)


def close(a: float | None, b: float, tol: float = 1e-4) -> bool:
    return a is not None and abs(a - b) <= tol


def test_csat_share_of_4_and_5_with_wilson_interval() -> None:
    # Scores 5,4,4,3,2,5,4,1,5,4: seven of ten are 4 or 5, p = 0.7, CSAT = 70 %.
    # Wilson: z² = 3.8416, z²/n = 0.38416, denominator 1 + 0.38416 = 1.38416
    #   centre = (0.7 + 3.8416/20) / 1.38416 = 0.89208 / 1.38416 = 0.644492
    #   half   = (1.96 / 1.38416) * sqrt(0.7*0.3/10 + 3.8416/400)
    #          = 1.416021 * sqrt(0.021 + 0.009604) = 1.416021 * 0.174940 = 0.247720
    #   interval 0.396772 .. 0.892212 -> 39.677 % .. 89.221 %; se = (89.221 - 39.677) / 3.92 = 12.6387
    r = csat([5, 4, 4, 3, 2, 5, 4, 1, 5, 4])
    assert r.name == "csat" and r.unit == "%" and r.n == 10
    assert r.value == pytest.approx(70.0)
    assert close(r.low, 39.6772, 1e-3) and close(r.high, 89.2211, 1e-3)
    assert close(r.se, 12.6387, 1e-3)
    # The same answers as a histogram (what SQL GROUP BY gives) are the same result.
    assert csat({5: 3, 4: 4, 3: 1, 2: 1, 1: 1}) == r


def test_wilson_stays_sensible_at_the_edges() -> None:
    # All 5 of 5 satisfied: p = 1. Wald (p ± z·se) would give 100..100; Wilson gives
    #   denominator 1 + 3.8416/5 = 1.76832, centre = (1 + 3.8416/10) / 1.76832 = 0.782754,
    #   half = (1.96/1.76832) * sqrt(0 + 3.8416/100) = 1.108397 * 0.196 = 0.217246 -> 0.565508 .. 1
    low, high = wilson(5, 5)
    assert low == pytest.approx(0.565508, abs=1e-5) and high == 1.0
    low, high = wilson(0, 5)
    assert low == 0.0 and high == pytest.approx(1 - 0.565508, abs=1e-5)


def test_nps_difference_of_shares_with_its_standard_error() -> None:
    # Scores 10,9,9,8,7,6,3,10,0,9: promoters (9-10) 5 -> p = 0.5; detractors (0-6) 3 -> d = 0.3.
    # NPS = 100 * (0.5 - 0.3) = 20.
    # se = sqrt((p + d - (p - d)²) / n) = sqrt((0.8 - 0.04) / 10) = sqrt(0.076) = 0.275681 -> 27.5681 points
    # interval 20 ± 1.96 * 27.5681 = 20 ± 54.0335 -> -34.0335 .. 74.0335
    r = nps([10, 9, 9, 8, 7, 6, 3, 10, 0, 9])
    assert r.unit == "points" and r.n == 10
    assert r.value == pytest.approx(20.0)
    assert close(r.se, 27.5681) and close(r.low, -34.0335) and close(r.high, 74.0335)


def test_nps_interval_is_clipped_to_the_scale() -> None:
    # Three promoters, nothing else: NPS 100, se sqrt((1 + 0 - 1) / 3) = 0 -> 100 .. 100.
    r = nps([9, 10, 10])
    assert r.value == 100 and r.se == 0 and r.low == 100 and r.high == 100
    # One promoter, one detractor: NPS 0, se sqrt((0.5 + 0.5 - 0) / 2) = 0.7071 -> 70.71 points;
    # 0 ± 138.6 is clipped to -100 .. 100.
    r = nps([0, 10])
    assert r.value == 0 and close(r.se, 70.7107) and r.low == -100 and r.high == 100


def test_ces_mean_with_t_interval_on_either_scale() -> None:
    # 1-5 effort scale, scores 2,3,1,2,2: mean 2.0; deviations 0,1,-1,0,0 -> sample variance 2/4 = 0.5,
    # sd 0.707107, se = 0.707107 / sqrt(5) = 0.316228; t(0.975, 4) = 2.776 -> half 0.877849
    # interval 1.122151 .. 2.877849
    r = ces([2, 3, 1, 2, 2], "1-5")
    assert r.value == pytest.approx(2.0) and r.unit == "score 1-5"
    assert close(r.se, 0.316228) and close(r.low, 1.122151) and close(r.high, 2.877849)
    # 1-7 "made it easy": 7, 6 -> mean 6.5, sd 0.707107, se 0.5, t(1) = 12.706 -> 6.5 ± 6.353,
    # clipped to the scale: 1 .. 7.
    r = ces([7, 6], "1-7")
    assert r.value == 6.5 and r.low == 1 and r.high == 7 and r.unit == "score 1-7"
    # One answer says nothing about spread: the whole scale.
    r = ces([4], "1-7")
    assert (r.value, r.low, r.high) == (4, 1, 7)


def test_ces_rejects_an_unknown_scale_and_out_of_scale_scores() -> None:
    with pytest.raises(ValueError, match="unknown scale"):
        ces([1], "0-10")
    with pytest.raises(ValueError, match="outside 1-5"):
        ces([6], "1-5")
    with pytest.raises(ValueError, match="outside 1-5"):
        csat([0, 3])
    with pytest.raises(ValueError, match="outside 0-10"):
        nps([11])


def test_t_quantiles_table_and_expansion() -> None:
    assert t_quantile(1) == 12.706 and t_quantile(4) == 2.776 and t_quantile(30) == 2.042
    # Beyond the table, Cornish-Fisher: t(0.975, 60) = 2.000 and t(0.975, 120) = 1.980 in tables.
    assert t_quantile(60) == pytest.approx(2.000, abs=1e-3)
    assert t_quantile(120) == pytest.approx(1.980, abs=1e-3)
    assert t_quantile(31) < t_quantile(30)


def test_retention_and_churn_from_counts() -> None:
    # S = 100 at the start, E = 95 at the end, N = 5 new: retained E - N = 90 -> retention 90 %.
    # Wilson on S = 100, p = 0.9: denominator 1.038416, centre (0.9 + 0.019208)/1.038416 = 0.885202,
    #   half (1.96/1.038416) * sqrt(0.0009 + 0.00009604) = 1.887490 * 0.031560 = 0.059570
    #   -> 82.563 % .. 94.477 %
    r = retention(100, 95, 5)
    assert r.value == pytest.approx(90.0) and r.n == 100
    assert close(r.low, 82.5633, 1e-3) and close(r.high, 94.4771, 1e-3)
    # Churn = (S + N - E) / S = (100 + 5 - 95) / 100 = 10 % = 100 - retention; interval mirrored.
    c = churn(100, 95, 5)
    assert c.value == pytest.approx(10.0)
    assert close(c.low, 100 - 94.4771, 1e-3) and close(c.high, 100 - 82.5633, 1e-3)
    # The bundled example's first week: (12131 - 312) / 12040 = 11819 / 12040 = 98.1645 %.
    assert retention(12040, 12131, 312).value == pytest.approx(98.1645, abs=1e-4)


def test_impossible_customer_counts_are_refused() -> None:
    with pytest.raises(ValueError, match=r"outside 0\.\.customers_start"):
        retention(100, 300, 50)  # 250 retained out of 100
    with pytest.raises(ValueError, match=r"outside 0\.\.customers_start"):
        retention(100, 10, 50)  # -40 retained
    with pytest.raises(ValueError, match="negative"):
        retention(-1, 0, 0)


def test_clv() -> None:
    # m = 10 per period, r = 0.9, d = 0.1: CLV = 10 * 0.9 / (1 + 0.1 - 0.9) = 9 / 0.2 = 45.
    r = clv(10, 0.9, 0.1)
    assert r.value == pytest.approx(45.0) and r.low == r.value == r.high and r.n == 1
    # With the retention result above (90 %, 82.563 .. 94.477 %) the ends go through the formula:
    #   10 * 0.825633 / (1.1 - 0.825633) = 8.25633 / 0.274367 = 30.0923
    #   10 * 0.944771 / (1.1 - 0.944771) = 9.44771 / 0.155229 = 60.8630
    # se by the delta method: m (1 + d) / (1 + d - r)² * se_r = 10 * 1.1 / 0.04 * 0.0303925 = 8.3579
    r = clv(10, retention(100, 95, 5), 0.1)
    assert r.value == pytest.approx(45.0) and r.n == 100
    assert close(r.low, 30.0923, 1e-3) and close(r.high, 60.8630, 1e-3) and close(r.se, 8.3579, 1e-3)
    with pytest.raises(ValueError, match="discount rate must be positive"):
        clv(10, 0.9, 0)
    with pytest.raises(ValueError, match=r"within 0\.\.1"):
        clv(10, 1.5, 0.1)


def test_net_sentiment_and_review_stars() -> None:
    # 5 positive, 3 neutral, 2 negative: net = (5 - 2) / 10 = +30 points; the NPS formula with
    # p = 0.5, d = 0.2: se = sqrt((0.7 - 0.09) / 10) = sqrt(0.061) = 0.246982 -> 24.6982 points.
    r = net_sentiment(5, 3, 2)
    assert r.value == pytest.approx(30.0) and close(r.se, 24.6982)
    # Stars 5,5,4,1: mean 15/4 = 3.75.
    assert review_stars({5: 2, 4: 1, 1: 1}).value == pytest.approx(3.75)


def test_compound_rate_turns_chained_weeks_into_a_weekly_rate() -> None:
    # 81 % kept over two weeks is 90 % a week: 100 * 0.81 ** 0.5 = 90.
    two_weeks = MetricResult("retention", 81.0, 100, 72.0, 88.0, "%", 4.0)
    weekly = compound_rate(two_weeks, 0.5, "% per week")
    assert weekly.value == pytest.approx(90.0) and weekly.unit == "% per week"
    assert weekly.low == pytest.approx(100 * math.sqrt(0.72)) and weekly.high == pytest.approx(
        100 * math.sqrt(0.88)
    )
    # se: d/dR of 100 (R/100)^0.5 at R = 81 is 0.5 * 0.81 ** -0.5 = 0.555556 -> 4 * 0.555556 = 2.2222
    assert weekly.se == pytest.approx(2.2222, abs=1e-4)


@pytest.mark.parametrize(
    "result",
    [
        csat([]),
        nps({}),
        ces([], "1-7"),
        net_sentiment(0, 0, 0),
        review_stars([]),
        retention(0, 0, 0),
        churn(0, 0, 0),
        clv(None, 0.9, 0.1),
        clv(10, retention(0, 0, 0), 0.1),
    ],
    ids=lambda r: r.name,
)
def test_no_data_is_none_never_a_division_error(result: MetricResult) -> None:
    assert result.n == 0 or result.name == "clv"
    assert result.no_data and result.value is None and result.low is None and result.high is None


def test_interval_narrows_as_n_grows() -> None:
    widths = []
    for k in (1, 4, 16, 64):
        r = csat({5: 7 * k, 2: 3 * k})
        assert r.low is not None and r.high is not None
        widths.append(r.high - r.low)
    assert widths == sorted(widths, reverse=True) and widths[-1] < widths[0] / 4
    n_widths = []
    for k in (1, 4, 16):
        r = nps({10: 5 * k, 8: 2 * k, 3: 3 * k})
        assert r.se is not None
        n_widths.append(r.se)
    # se ∝ 1/sqrt(n): quadrupling n halves it.
    assert n_widths[1] == pytest.approx(n_widths[0] / 2) and n_widths[2] == pytest.approx(n_widths[0] / 4)
