"""The tail of a statistic's own recent history: how surprising is today's value?

A sliding window (in time) of the statistic's past values, kept sorted. The tail probability of a
new value x is the larger (more conservative) of two estimates:

- **Peaks over threshold (SPOT-style).** Below u, the (1 - TOP) quantile of the window, the
  empirical fraction of past values >= x. Above u, a generalized Pareto tail fitted to the excesses
  over u by the method of moments, with the shape clipped to [0, 0.5] (an exponential tail at the
  least: a bounded tail is never assumed), so probabilities far beyond anything seen are
  extrapolated instead of stopping at 1/n.
- **A Gaussian with a robust scale**: (x - median) / sigma, sigma from the interquartile range and
  never below 1 (the Poisson noise of the Anscombe scale). This is the floor of the noise: a
  statistic that was almost constant (a sparse brand, a flat synthetic series) is still judged
  against counting noise, and a window too short to have a tail is not trusted to have a thin one.

Exceedances of a statistic summed over a span come in clusters (one surge keeps a 1-day sum high for
a day), and one cluster is one alert. `cluster_share` is the runs estimate of the extremal index
from the same history: clusters (exceedances of u more than one span apart) per exceedance. The
detector multiplies a p-value by it to get the probability that a bucket starts a new cluster,
which is what the false-alert budget counts.

The caller decides which values enter the window; the detector keeps the buckets judged while an
alert fires out of it, so an incident cannot inflate the noise that hides the next one.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from statistics import NormalDist

import numpy as np

_NORMAL = NormalDist()
TOP = 0.02  # the fraction of the window above u (at least MIN_EXCESSES values)
MIN_EXCESSES = 10
# The extremal index is estimated from the top 0.5% (at least MIN_EXCESSES values): clusters are
# longer at lower levels, and the firing level is far out in the tail.
THETA_TOP = 0.005
# Below this many values (hourly buckets never get there in 14 days) the estimate is too noisy to
# lean on and the p-value is used as it is (theta = 1: conservative, every exceedance an alert).
THETA_MIN_HISTORY = 2000
# A 14-day estimate of the top 0.5 %: refreshing it more often than daily changes nothing but cost.
THETA_REFRESH = 86_400_000_000_000


class Tail:
    def __init__(self, window_ns: int, span_ns: int) -> None:
        self.window = window_ns
        self.span = span_ns
        self.times: deque[int] = deque()  # in arrival order, with values
        self.values: deque[float] = deque()
        self.sorted: list[float] = []
        self._theta = (-(2**62), 1.0)  # (when estimated, estimate): refreshed at most daily
        self._added = 0  # values added so far: the fits below are cached until the next add
        self._fit: tuple[int, float, float, float, float] | None = None  # (added, u, sigma, xi, pu)
        self._gauss: tuple[int, float, float] | None = None  # (added, median, sigma)

    def cluster_share(self, t: int) -> float:
        """Clusters per exceedance of u in the history (1: exceedances are isolated)."""
        when, theta = self._theta
        if t - when < max(self.span, THETA_REFRESH):
            return theta
        n = len(self.sorted)
        k = max(MIN_EXCESSES, int(THETA_TOP * n))
        theta = 1.0
        if n >= THETA_MIN_HISTORY:
            u = self.sorted[n - k]
            values = np.fromiter(self.values, dtype=float, count=n)
            times = np.fromiter(self.times, dtype=np.int64, count=n)[values >= u]
            if len(times) >= 2:
                clusters = 1 + int(np.count_nonzero(np.diff(times) > self.span))
                theta = clusters / len(times)
        self._theta = (t, theta)
        return theta

    def __len__(self) -> int:
        return len(self.sorted)

    def add(self, t: int, value: float) -> None:
        self._added += 1
        self.times.append(t)
        self.values.append(value)
        bisect.insort(self.sorted, value)
        while self.times and self.times[0] <= t - self.window:
            self.times.popleft()
            old = self.values.popleft()
            del self.sorted[bisect.bisect_left(self.sorted, old)]

    def gaussian_p(self, x: float) -> float:
        s = self.sorted
        n = len(s)
        if n < 4:
            return 1.0 - _NORMAL.cdf(x)
        if self._gauss is None or self._gauss[0] != self._added:
            sigma = max(1.0, (s[(3 * n) // 4] - s[n // 4]) / 1.349)
            self._gauss = (self._added, s[n // 2], sigma)
        _, median, sigma = self._gauss
        return 1.0 - _NORMAL.cdf((x - median) / sigma)

    def pot_p(self, x: float) -> float:
        s = self.sorted
        n = len(s)
        k = max(MIN_EXCESSES, int(TOP * n))
        if n < 2 * k:
            return 1.0  # too little history for a tail: the Gaussian floor decides
        iu = n - k
        u = s[iu]
        if x < u:
            return (n - bisect.bisect_left(s, x)) / n
        if self._fit is None or self._fit[0] != self._added:
            self._fit = (self._added, u, *self._gpd(s[iu:], u), k / n)
        _, u, sigma, xi, pu = self._fit
        if sigma <= 0.0:
            return 1.0 / (n + 1) if x <= u else 0.0
        y = (x - u) / sigma
        if xi < 1e-9:
            return pu * math.exp(-y)
        return pu * (1.0 + xi * y) ** (-1.0 / xi)

    @staticmethod
    def _gpd(top: list[float], u: float) -> tuple[float, float]:
        """Method-of-moments generalized Pareto fit to the excesses over u: (scale, shape)."""
        k = len(top)
        excess = [v - u for v in top]
        m = sum(excess) / k
        if m <= 0.0:
            return 0.0, 0.0
        var = sum((e - m) ** 2 for e in excess) / max(1, k - 1)
        xi = 0.5 * (1.0 - m * m / var) if var > 0 else 0.0
        xi = min(0.5, max(0.0, xi))
        return m * (1.0 - xi), xi  # the scale: mean excess = sigma / (1 - xi)

    def p_value(self, x: float) -> float:
        return max(self.gaussian_p(x), self.pot_p(x))
