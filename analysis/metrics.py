"""Survey and customer metrics: CSAT, NPS, CES, retention, churn, CLV (and the two mention-based
measures the satisfaction index also needs: net sentiment and mean review stars).

Every function returns a `MetricResult` carrying the value, the number of observations `n` and a 95 %
interval. `n == 0` is "no data" (value, interval and se are None), never a division error. Scores are
given as an iterable of numbers or as a histogram mapping score -> count (what a SQL GROUP BY returns),
so a million responses need not be expanded into a list.

Uncertainty, in one place (docs/index.md repeats it with worked numbers):
- shares (CSAT, retention, churn): Wilson score interval at z = 1.96. It stays inside 0..100 % and is
  sensible at 0 % and 100 %, where the textbook p ± z·se collapses to a zero-width interval.
  `se` is the interval's half-width / 1.96, the normal-equivalent used when the index combines components.
- differences of two shares (NPS, net sentiment): p - d ± 1.96·se with se = sqrt((p + d - (p - d)²) / n),
  the standard error of a mean of scores in {-1, 0, +1}; clipped to the scale.
- means (CES, review stars): Student t interval (exact t quantiles up to 30 degrees of freedom, the
  Cornish-Fisher expansion beyond), clipped to the scale. One response gives the whole scale.
- retention and churn are counts, not a sample, but they are read as an estimate of the underlying
  rate: the S customers at the start each stayed or left, a binomial draw of size S (so the interval
  says how sure we are of the *rate*, which is what a comparison between periods needs).
- CLV: the retention interval's ends pushed through the CLV formula (it is increasing in r), se by the
  delta method. A plain number given as the retention rate carries no uncertainty.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Z = 1.96  # two-sided 95 %; kept at the textbook value so a reader can check every interval by hand

# Two-sided 95 % Student t quantiles t(0.975, df) for df = 1..30 (standard tables).
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip

Scores = Iterable[float] | Mapping[float, int]

SCALES: dict[str, tuple[float, float]] = {"csat": (1, 5), "nps": (0, 10)}
CES_SCALES: dict[str, tuple[float, float, str]] = {
    # scale -> (lowest, highest, direction); stored with each response as "1-5-effort" / "1-7-easy"
    "1-5": (1, 5, "effort"),  # "how much effort was it?": lower is better
    "1-7": (1, 7, "easy"),  # "the company made it easy": higher is better
}


@dataclass(frozen=True)
class MetricResult:
    name: str  # csat, nps, ces, retention, churn, clv, sentiment, reviews
    value: float | None  # None = no data (n == 0)
    n: int
    low: float | None  # 95 % interval in the metric's unit; None when no data
    high: float | None
    unit: str  # "%", "points", "score 1-5", "stars", "currency"
    se: float | None = None  # standard error (or its normal equivalent, see the module docstring)

    @property
    def no_data(self) -> bool:
        return self.value is None


def no_data(name: str, unit: str) -> MetricResult:
    return MetricResult(name, None, 0, None, None, unit, None)


def t_quantile(df: int) -> float:
    """t(0.975, df): the table up to 30, then the Cornish-Fisher expansion (within 0.001 beyond)."""
    if df < 1:
        raise ValueError("a t quantile needs at least one degree of freedom")
    if df <= len(_T975):
        return _T975[df - 1]
    z = Z
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def histogram(scores: Scores) -> Counter[float]:
    """Scores as score -> count, from either form; negative counts are a caller's bug."""
    if isinstance(scores, Mapping):
        counts: Counter[float] = Counter()
        for score, count in scores.items():
            if count < 0:
                raise ValueError(f"negative count {count} for score {score}")
            if count:
                counts[float(score)] += int(count)
        return counts
    return Counter(float(s) for s in scores)


def _check_scale(counts: Counter[float], low: float, high: float, name: str) -> None:
    bad = [s for s in counts if not low <= s <= high]
    if bad:
        raise ValueError(f"{name}: score {sorted(bad)[0]:g} is outside {low:g}-{high:g}")


def wilson(successes: int, n: int) -> tuple[float, float]:
    """Wilson score interval for a share (0..1) at z = 1.96."""
    if n <= 0:
        raise ValueError("the Wilson interval needs n > 0")
    if not 0 <= successes <= n:
        raise ValueError(f"{successes} successes out of {n}")
    p = successes / n
    z2 = Z * Z
    denom = 1 + z2 / n
    center = (p + z2 / (2 * n)) / denom
    half = (Z / denom) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, center - half), min(1.0, center + half)


def share(name: str, successes: int, n: int) -> MetricResult:
    """A share in % with its Wilson interval; se is the interval's half-width / 1.96."""
    if n == 0:
        return no_data(name, "%")
    low, high = wilson(successes, n)
    return MetricResult(
        name, 100 * successes / n, n, 100 * low, 100 * high, "%", 100 * (high - low) / (2 * Z)
    )


def net_share(name: str, plus: int, minus: int, n: int, unit: str = "points") -> MetricResult:
    """(plus - minus) / n in points (-100..100): NPS and net sentiment alike.

    Each answer counts +1, 0 or -1; the mean of such scores has variance (p + d - (p - d)²) / n.
    """
    if n == 0:
        return no_data(name, unit)
    if plus < 0 or minus < 0 or plus + minus > n:
        raise ValueError(f"{name}: {plus} + {minus} out of {n}")
    p, d = plus / n, minus / n
    value = 100 * (p - d)
    se = 100 * math.sqrt(max(0.0, p + d - (p - d) ** 2) / n)
    return MetricResult(name, value, n, max(-100.0, value - Z * se), min(100.0, value + Z * se), unit, se)


def mean_interval(name: str, counts: Counter[float], low: float, high: float, unit: str) -> MetricResult:
    """Mean score with a t interval, clipped to the scale [low, high]."""
    n = sum(counts.values())
    if n == 0:
        return no_data(name, unit)
    mean = math.fsum(s * c for s, c in counts.items()) / n
    if n == 1:
        # One answer says nothing about the spread: the honest interval is the whole scale.
        return MetricResult(name, mean, 1, float(low), float(high), unit, (high - low) / (2 * Z))
    var = math.fsum(c * (s - mean) ** 2 for s, c in counts.items()) / (n - 1)
    se = math.sqrt(var / n)
    half = t_quantile(n - 1) * se
    return MetricResult(name, mean, n, max(float(low), mean - half), min(float(high), mean + half), unit, se)


# -- survey metrics ------------------------------------------------------------------------------


def csat(scores: Scores) -> MetricResult:
    """CSAT: the share of 4 and 5 answers on a 1-5 scale, in %, with a Wilson 95 % interval."""
    counts = histogram(scores)
    _check_scale(counts, *SCALES["csat"], "csat")
    n = sum(counts.values())
    return share("csat", sum(c for s, c in counts.items() if s >= 4), n)


def nps(scores: Scores) -> MetricResult:
    """Net Promoter Score: % of 9-10 minus % of 0-6, in points (-100..100)."""
    counts = histogram(scores)
    _check_scale(counts, *SCALES["nps"], "nps")
    n = sum(counts.values())
    promoters = sum(c for s, c in counts.items() if s >= 9)
    detractors = sum(c for s, c in counts.items() if s <= 6)
    return net_share("nps", promoters, detractors, n)


def ces(scores: Scores, scale: str) -> MetricResult:
    """Customer Effort Score: the mean answer on its scale ("1-5": effort, lower is better; "1-7":
    made it easy, higher is better). The value is the plain mean; the index maps it by direction."""
    if scale not in CES_SCALES:
        raise ValueError(f"ces: unknown scale {scale!r} (expected one of {', '.join(CES_SCALES)})")
    low, high, _direction = CES_SCALES[scale]
    counts = histogram(scores)
    _check_scale(counts, low, high, "ces")
    return mean_interval("ces", counts, low, high, f"score {scale}")


# -- mention-based measures the index uses -------------------------------------------------------


def net_sentiment(positive: int, neutral: int, negative: int) -> MetricResult:
    """(positive - negative) / scored mentions, in points (-100..100); unscored mentions are not
    counted at all (they are not neutral)."""
    return net_share("sentiment", positive, negative, positive + neutral + negative)


def review_stars(ratings: Scores) -> MetricResult:
    """Mean star rating (1-5) with a t interval."""
    counts = histogram(ratings)
    _check_scale(counts, 1, 5, "reviews")
    return mean_interval("reviews", counts, 1, 5, "stars")


# -- customer metrics ----------------------------------------------------------------------------


def check_counts(start: int, end: int, new: int) -> int:
    """The retained customers E - N, after checking the counts can describe one period."""
    if min(start, end, new) < 0:
        raise ValueError("customer counts cannot be negative")
    retained = end - new
    if start > 0 and not 0 <= retained <= start:
        raise ValueError(
            f"customers_end - new_customers = {retained} is outside 0..customers_start ({start})"
        )
    return retained


def retention(start: int, end: int, new: int) -> MetricResult:
    """Retention rate (E - N) / S x 100: the share of the S customers at the start still there at the
    end (customers won during the period are not counted as retained). n = S."""
    retained = check_counts(start, end, new)
    return share("retention", retained, start)


def churn(start: int, end: int, new: int) -> MetricResult:
    """Churn rate (S + N - E) / S x 100 = 100 - retention, with the mirrored interval."""
    r = retention(start, end, new)
    if r.value is None or r.low is None or r.high is None:
        return no_data("churn", "%")
    return MetricResult("churn", 100 - r.value, r.n, 100 - r.high, 100 - r.low, "%", r.se)


def clv(
    margin: float | None, retention_rate: float | MetricResult | None, discount_rate: float
) -> MetricResult:
    """Customer lifetime value m x r / (1 + d - r): margin per customer per period m, retention rate
    per period r (0..1, or a `retention()` result in %), discount rate per period d (> 0).

    With a `retention()` result the interval is its interval pushed through the formula (CLV rises
    with r, so the ends map to the ends) and n is its n; a plain rate carries no uncertainty (n = 1).
    """
    if not discount_rate > 0:
        raise ValueError(
            "clv: the discount rate must be positive (with 0, a customer who stays is priceless)"
        )
    if margin is None or retention_rate is None:
        return no_data("clv", "currency")
    if isinstance(retention_rate, MetricResult):
        r_result = retention_rate
        if r_result.value is None or r_result.low is None or r_result.high is None:
            return no_data("clv", "currency")
        r, r_low, r_high = r_result.value / 100, r_result.low / 100, r_result.high / 100
        r_se = (r_result.se or 0.0) / 100
        n = r_result.n
    else:
        r = r_low = r_high = float(retention_rate)
        r_se, n = 0.0, 1
    if not 0 <= r <= 1:
        raise ValueError(f"clv: the retention rate must be within 0..1, got {r}")

    def value(rate: float) -> float:
        return margin * rate / (1 + discount_rate - rate)

    # d/dr [m r / (1 + d - r)] = m (1 + d) / (1 + d - r)²
    slope = abs(margin) * (1 + discount_rate) / (1 + discount_rate - r) ** 2
    ends = sorted((value(r_low), value(r_high)))
    return MetricResult("clv", value(r), n, ends[0], ends[1], "currency", slope * r_se)


def compound_rate(result: MetricResult, exponent: float, unit: str | None = None) -> MetricResult:
    """A retention rate R (in %) over one span, as the rate over `exponent` spans: 100 (R/100)^exponent.

    Used for a per-week rate from k weeks chained (exponent 1/k) or from a month (7/31). The interval's
    ends map the same way (the power is increasing); the se by the delta method.
    """
    if result.value is None or result.low is None or result.high is None or exponent == 1:
        return (
            result
            if unit is None
            else MetricResult(result.name, result.value, result.n, result.low, result.high, unit, result.se)
        )

    def power(pct: float) -> float:
        return 100 * (pct / 100) ** exponent

    r = result.value / 100
    slope = exponent * r ** (exponent - 1) if r > 0 else 0.0
    return MetricResult(
        result.name,
        power(result.value),
        result.n,
        power(result.low),
        power(result.high),
        unit or result.unit,
        None if result.se is None else result.se * slope,
    )
