"""The index alert conditions (analysis/index_rules.py): below a threshold, and a drop larger than
the uncertainty of the two periods compared."""

from __future__ import annotations

import math
from datetime import date

import pytest

from analysis.index_rules import index_below, index_drop
from analysis.satisfaction import IndexSnapshot


def snap(
    value: float | None, se: float | None = 2.0, start: date = date(2026, 11, 9), brand: str = "acme"
) -> IndexSnapshot:
    if value is None:
        return IndexSnapshot(brand, "week", start, None, None, None, None)
    return IndexSnapshot(brand, "week", start, value, value - 1.96 * (se or 0), value + 1.96 * (se or 0), se)


PREV = date(2026, 11, 2)


def test_below_threshold_fires_with_the_numbers() -> None:
    c = index_below(snap(55.0, se=2.5), 60)
    assert c is not None and c.rule == "index_below"
    assert (c.observed, c.expected) == (55.0, 60)
    assert c.statistic == pytest.approx((60 - 55) / 2.5)
    assert "acme" in c.message and "below 60" in c.message
    assert index_below(snap(60.0), 60) is None  # at the threshold is not below
    assert index_below(snap(None), 60) is None  # no data is not a low index


def test_below_with_require_interval_needs_the_whole_interval_below() -> None:
    # 58 ± 1.96 x 2 = 54.08 .. 61.92: the value is below 60 but the interval is not
    assert index_below(snap(58.0, se=2.0), 60) is not None
    assert index_below(snap(58.0, se=2.0), 60, require_interval=True) is None
    assert index_below(snap(55.0, se=2.0), 60, require_interval=True) is not None  # high 58.92


def test_drop_must_exceed_its_uncertainty() -> None:
    # se of the difference: sqrt(2² + 2²) = 2.8284; 1.96 x 2.8284 = 5.5437 points
    threshold = 1.96 * math.sqrt(8)
    assert index_drop(snap(70.0, start=PREV), snap(70.0 - threshold + 0.01)) is None  # inside the noise
    c = index_drop(snap(70.0, start=PREV), snap(70.0 - threshold - 0.01))
    assert c is not None and c.rule == "index_drop"
    assert c.expected == 70.0 and c.observed == pytest.approx(70.0 - threshold - 0.01)
    assert c.statistic == pytest.approx((threshold + 0.01) / math.sqrt(8))
    assert c.period_start == date(2026, 11, 9)
    # a rise is never a drop, however large
    assert index_drop(snap(50.0, start=PREV), snap(80.0)) is None


def test_drop_with_wider_intervals_needs_a_larger_drop() -> None:
    prev, cur = snap(70.0, se=1.0, start=PREV), snap(64.0, se=1.0)  # 6 > 1.96 x 1.414 = 2.77
    assert index_drop(prev, cur) is not None
    prev, cur = snap(70.0, se=4.0, start=PREV), snap(64.0, se=4.0)  # 6 < 1.96 x 5.657 = 11.09
    assert index_drop(prev, cur) is None
    # min_drop guards against tiny but "significant" drops of very precise indexes
    prev, cur = snap(70.0, se=0.1, start=PREV), snap(69.0, se=0.1)
    assert index_drop(prev, cur) is not None
    assert index_drop(prev, cur, min_drop=2.0) is None


def test_drop_edge_cases() -> None:
    assert index_drop(snap(None, start=PREV), snap(50.0)) is None
    assert index_drop(snap(70.0, start=PREV), snap(None)) is None
    with pytest.raises(ValueError, match="earlier"):
        index_drop(snap(70.0), snap(60.0, start=PREV))
    with pytest.raises(ValueError, match="same brand"):
        index_drop(snap(70.0, start=PREV, brand="globex"), snap(60.0))
    # zero uncertainty on both sides: any drop counts, with an infinite statistic
    c = index_drop(snap(70.0, se=0.0, start=PREV), snap(69.5, se=0.0))
    assert c is not None and math.isinf(c.statistic)
