"""The satisfaction index (analysis/satisfaction.py): properties under hypothesis, and the worked
example of docs/index.md checked number by number."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis.metrics import MetricResult, csat, net_sentiment, nps, retention, review_stars
from analysis.satisfaction import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    IndexResult,
    LinearMap,
    Observation,
    compute_index,
    drivers,
    latest_within,
    mappings,
    snapshot_from_row,
)

MAPS = mappings()
# Raw ranges where each default map is strictly increasing (retention clamps outside 90-100).
RAW_RANGE = {
    "sentiment": (-100.0, 100.0),
    "reviews": (1.0, 5.0),
    "csat": (0.0, 100.0),
    "nps": (-100.0, 100.0),
    "ces": (1.0, 5.0),  # effort: the map falls as the raw value rises
    "retention": (90.0, 100.0),
}
UNITS = {
    "sentiment": "points",
    "reviews": "stars",
    "csat": "%",
    "nps": "points",
    "ces": "score 1-5",
    "retention": "%",
}


def metric(name: str, raw: float, se: float, n: int = 50) -> MetricResult:
    lo, hi = RAW_RANGE[name]
    return MetricResult(name, raw, n, max(lo, raw - 1.96 * se), min(hi, raw + 1.96 * se), UNITS[name], se)


@st.composite
def observations(draw: st.DrawFn, min_present: int = 0) -> dict[str, Observation | None]:
    out: dict[str, Observation | None] = {}
    for name in COMPONENTS:
        if draw(st.booleans()):
            lo, hi = RAW_RANGE[name]
            raw = draw(st.floats(lo, hi))
            se = draw(st.floats(0, (hi - lo) / 4))
            age = draw(st.integers(0, 12))
            out[name] = Observation(metric(name, raw, se, draw(st.integers(1, 10_000))), age)
        else:
            out[name] = None
    assume(sum(o is not None for o in out.values()) >= min_present)
    return out


weights_st = st.fixed_dictionaries({name: st.floats(0.01, 5) for name in COMPONENTS})


@given(observations(), weights_st)
def test_index_and_its_interval_stay_within_0_100(obs: dict[str, Observation | None], weights: dict) -> None:
    r = compute_index(obs, weights)
    if r.value is None:
        assert not r.components and set(r.missing) == set(COMPONENTS)
        return
    assert r.low is not None and r.high is not None
    assert 0 <= r.low <= r.value <= r.high <= 100
    for c in r.components.values():
        assert 0 <= c.low <= c.value <= c.high <= 100


@given(observations(min_present=1), weights_st, st.data())
def test_index_rises_when_any_component_rises(
    obs: dict[str, Observation | None], weights: dict, data: st.DataObject
) -> None:
    before = compute_index(obs, weights)
    name = data.draw(st.sampled_from([n for n, o in obs.items() if o is not None]))
    old = obs[name]
    assert old is not None and old.metric.value is not None
    lo, hi = RAW_RANGE[name]
    # "Better" is up on every map except CES on the effort scale, where less effort is better.
    better = data.draw(st.floats(lo, hi))
    improves = better < old.metric.value if name == "ces" else better > old.metric.value
    assume(improves and abs(MAPS[name](better) - MAPS[name](old.metric.value)) > 1e-6)
    changed = dict(obs)
    changed[name] = Observation(metric(name, better, old.metric.se or 0.0, old.metric.n), old.age)
    after = compute_index(changed, weights)
    assert before.value is not None and after.value is not None
    assert after.value > before.value


@given(observations(min_present=2), weights_st, st.data())
def test_a_missing_component_is_left_out_and_the_weights_renormalize(
    obs: dict[str, Observation | None], weights: dict, data: st.DataObject
) -> None:
    gone = data.draw(st.sampled_from([n for n, o in obs.items() if o is not None]))
    without = {**obs, gone: None}
    r = compute_index(without, weights)
    present = [n for n, o in without.items() if o is not None]
    assert gone in r.missing and gone not in r.components
    assert set(r.components) == set(present)
    total = sum(weights[n] for n in present)
    expected = sum(weights[n] * MAPS[n](without[n].metric.value) for n in present) / total  # type: ignore[union-attr]
    assert r.value == pytest.approx(expected, abs=1e-9)
    assert sum(c.share for c in r.components.values()) == pytest.approx(1.0)


@given(observations(), observations(), weights_st, weights_st)
def test_drivers_sum_exactly_to_the_change(
    prev_obs: dict[str, Observation | None], cur_obs: dict[str, Observation | None], w1: dict, w2: dict
) -> None:
    prev, cur = compute_index(prev_obs, w1), compute_index(cur_obs, w2)
    ds = drivers(prev, cur)
    if prev.value is None or cur.value is None:
        assert ds == []
        return
    assert math.fsum(d.contribution for d in ds) == pytest.approx(cur.value - prev.value, abs=1e-9)
    for d in ds:
        assert d.own + d.reweighting == pytest.approx(d.contribution, abs=1e-12)
    names = {d.component for d in ds}
    assert names == set(prev.components) | set(cur.components)


@given(observations(min_present=1), weights_st)
def test_same_components_drivers_are_share_times_change(
    obs: dict[str, Observation | None], weights: dict
) -> None:
    prev = compute_index(obs, weights)
    moved = {
        n: (
            Observation(metric(n, (o.metric.value + RAW_RANGE[n][0]) / 2, o.metric.se or 0), o.age)
            if o
            else None
        )
        for n, o in obs.items()
    }  # type: ignore[operator]
    cur = compute_index(moved, weights)
    for d in drivers(prev, cur):
        c = cur.components[d.component]
        assert d.status == "moved" and d.reweighting == pytest.approx(0, abs=1e-12)
        assert d.contribution == pytest.approx(
            c.share * (c.value - prev.components[d.component].value), abs=1e-9
        )


@settings(max_examples=60)
@given(
    st.integers(1, 40),
    st.integers(0, 40),
    st.integers(0, 40),
    st.integers(2, 5),
    st.lists(st.integers(1, 5), min_size=2, max_size=12),
)
def test_interval_narrows_as_n_grows(pos: int, neu: int, neg: int, k: int, stars: list[int]) -> None:
    """The same mix of answers, k times as many of each: every component's se shrinks, so does the index's."""
    assume(len(set(stars)) > 1)
    satisfied = min(pos, 10)

    def build(m: int) -> IndexResult:
        return compute_index(
            {
                "sentiment": Observation(net_sentiment(pos * m, neu * m, neg * m)),
                "reviews": Observation(review_stars({s: stars.count(s) * m for s in set(stars)})),
                "csat": Observation(csat({5: satisfied * m, 2: (10 - satisfied + 1) * m})),
                "nps": Observation(nps({10: pos * m, 7: neu * m, 2: (neg + 1) * m})),
                "retention": Observation(retention(1000 * m, 970 * m, 10 * m)),
            }
        )

    small, large = build(1), build(k)
    assert small.se is not None and large.se is not None and small.low is not None and large.low is not None
    assert large.se < small.se
    assert (large.high - large.low) <= (small.high - small.low) + 1e-9  # type: ignore[operator]


# -- mapping, carry-forward -------------------------------------------------------------------------


def test_mappings_to_0_100() -> None:
    m = mappings()
    assert m["sentiment"](40) == 70 and m["sentiment"](-100) == 0 and m["sentiment"](100) == 100
    assert m["reviews"](4) == 75 and m["reviews"](1) == 0
    assert m["csat"](80) == 80
    assert m["nps"](30) == 65 and m["nps"](-100) == 0
    assert m["ces"](2) == 75 and m["ces"](1) == 100 and m["ces"](5) == 0  # effort: lower is better
    assert mappings(ces_scale="1-7")["ces"](6) == pytest.approx(250 / 3)  # (6 - 1) / 6 x 100
    assert m["retention"](98) == pytest.approx(80) and m["retention"](85) == 0 and m["retention"](100) == 100
    assert mappings(retention_range=(70, 100))["retention"](85) == pytest.approx(50)
    assert LinearMap(5, 1).slope == -25


def test_carry_forward_takes_the_newest_data_within_the_lookback_and_widens_it() -> None:
    fresh = nps({10: 5, 8: 3, 2: 2})
    empty = nps({})
    assert latest_within([empty, fresh, nps({10: 1})], max_age=3) == Observation(fresh, 1)
    assert latest_within([empty, empty, fresh], max_age=1) is None  # beyond the lookback: left out
    assert latest_within([None, fresh], max_age=1) == Observation(fresh, 1)
    # fewer than min_n answers in a period count as none: the older, larger sample is used
    assert latest_within([nps({10: 2}), fresh], max_age=1, min_n=5) == Observation(fresh, 1)
    assert latest_within([nps({10: 2}), fresh], max_age=1) == Observation(nps({10: 2}), 0)
    # age 3 -> se and interval grow by sqrt(1 + 3) = 2 about the value
    r = compute_index({"nps": Observation(fresh, 3)})
    c = r.components["nps"]
    assert c.carried_forward and c.age == 3
    assert fresh.se is not None and fresh.low is not None and fresh.value is not None
    assert c.se == pytest.approx(fresh.se / 2 * 2)  # mapped (slope 1/2), widened (x2)
    assert c.raw_low == pytest.approx(fresh.value - 2 * (fresh.value - fresh.low))
    fresh_c = compute_index({"nps": Observation(fresh, 0)}).components["nps"]
    assert not fresh_c.carried_forward and c.value == fresh_c.value


def test_zero_weight_turns_a_component_off() -> None:
    obs = {"csat": Observation(csat({5: 8, 1: 2})), "nps": Observation(nps({10: 1}))}
    r = compute_index(obs, {**DEFAULT_WEIGHTS, "nps": 0.0})
    assert set(r.components) == {"csat"} and "nps" not in r.missing and r.value == pytest.approx(80)


def test_no_component_is_no_data() -> None:
    r = compute_index({name: None for name in COMPONENTS})
    assert r.value is None and r.low is None and r.se is None and r.components == {}
    assert drivers(r, compute_index({"csat": Observation(csat({5: 1}))})) == []


# -- the worked example of docs/index.md ------------------------------------------------------------


def docs_week(*, previous: bool) -> IndexResult:
    nps_obs = Observation(nps({10: 3, 9: 2, 8: 2, 7: 1, 5: 1, 2: 1}), age=0 if previous else 1)
    if previous:
        return compute_index(
            {
                "sentiment": Observation(net_sentiment(25, 10, 15)),
                "reviews": Observation(review_stars([5, 4, 3, 2, 3])),
                "csat": Observation(csat({5: 4, 4: 3, 3: 2, 1: 1})),
                "nps": nps_obs,
                "retention": Observation(retention(1000, 1000, 30)),
            }
        )
    return compute_index(
        {
            "sentiment": Observation(net_sentiment(30, 10, 10)),
            "reviews": Observation(review_stars([5, 4, 4, 2, 5])),
            "csat": Observation(csat({5: 5, 4: 3, 2: 1, 1: 1})),
            "nps": nps_obs,  # no NPS survey this week: last week's, carried forward
            "retention": Observation(retention(1000, 1010, 30)),
        }
    )


def test_docs_worked_example_value_interval_and_drivers() -> None:
    cur = docs_week(previous=False)
    c = cur.components
    assert {n: round(x.value, 4) for n, x in c.items()} == {
        "sentiment": 70.0,  # (+40 + 100) / 2
        "reviews": 75.0,  # (4.0 - 1) / 4 x 100
        "csat": 80.0,
        "nps": 65.0,  # (+30 + 100) / 2
        "retention": 80.0,  # (98 - 90) / 10 x 100
    }
    assert cur.missing == ("ces",)
    assert c["nps"].carried_forward and c["nps"].age == 1
    # (0.25*70 + 0.15*75 + 0.20*80 + 0.20*65 + 0.10*80) / 0.90 = 65.75 / 0.90
    assert cur.value == pytest.approx(65.75 / 0.9)
    # component se on the 0-100 scale, as docs/index.md lists them
    assert c["sentiment"].se == pytest.approx(5.6569, abs=1e-4)  # 100 sqrt((0.8 - 0.16) / 50) / 2
    assert c["reviews"].se == pytest.approx(13.6931, abs=1e-4)  # sqrt(1.5 / 5) x 25
    assert c["csat"].se == pytest.approx(11.5603, abs=1e-4)  # Wilson (94.3319 - 49.0157) / 3.92
    assert c["nps"].se == pytest.approx(17.4642, abs=1e-4)  # 24.6982 / 2 x sqrt(2)
    assert c["retention"].se == pytest.approx(4.5170, abs=1e-4)  # Wilson (98.7016 - 96.9310) / 3.92 x 10
    se = math.sqrt(sum((x.share * x.se) ** 2 for x in c.values()))
    assert cur.se == pytest.approx(se)
    assert cur.se == pytest.approx(5.4397, abs=1e-4)
    assert cur.low == pytest.approx(cur.value - 1.96 * cur.se) and cur.high == pytest.approx(
        cur.value + 1.96 * cur.se
    )

    prev = docs_week(previous=True)
    # (0.25*60 + 0.15*60 + 0.20*70 + 0.20*65 + 0.10*70) / 0.90 = 58 / 0.90
    assert prev.value == pytest.approx(58 / 0.9)
    ds = {d.component: d.contribution for d in drivers(prev, cur)}
    assert ds == pytest.approx(
        {
            "sentiment": 0.25 / 0.9 * 10,
            "reviews": 0.15 / 0.9 * 15,
            "csat": 0.2 / 0.9 * 10,
            "nps": 0.0,
            "retention": 0.1 / 0.9 * 10,
        }
    )
    assert sum(ds.values()) == pytest.approx(cur.value - prev.value)  # 8.6111


def test_docs_worked_example_a_component_entering() -> None:
    # The next week a CES survey lands (efforts 1, 2, 2, 2, 3: mean 2 -> 75) and nothing else moves.
    cur = docs_week(previous=False)
    obs = {
        name: Observation(
            MetricResult(
                name,
                comp.raw,
                comp.n,
                comp.raw_low,
                comp.raw_high,
                comp.unit,
                comp.se / abs(MAPS[name].slope),
            )
        )
        for name, comp in cur.components.items()
    }
    from analysis.metrics import ces

    nxt = compute_index({**obs, "ces": Observation(ces([1, 2, 2, 2, 3], "1-5"))})
    assert nxt.value == pytest.approx(65.75 + 0.1 * 75)  # all six present: the weights sum to 1
    ds = {d.component: d for d in drivers(cur, nxt)}
    assert ds["ces"].status == "entered"
    assert ds["ces"].contribution == pytest.approx(
        0.1 * (75 - 65.75 / 0.9)
    )  # share x (value - previous index)
    # The others only changed share; those reweighting parts cancel because their values did not move.
    assert sum(d.contribution for n, d in ds.items() if n != "ces") == pytest.approx(0, abs=1e-9)
    assert ds["csat"].reweighting == pytest.approx((0.2 - 0.2 / 0.9) * (80 - 65.75 / 0.9))


def test_snapshot_row_gives_back_the_index_se() -> None:
    cur = docs_week(previous=False)
    row = {
        "brand": "acme",
        "period": "week",
        "period_start": "2026-11-09",
        "value": cur.value,
        "low": cur.low,
        "high": cur.high,
        "components": {n: c.as_dict() for n, c in cur.components.items()},
    }
    snap = snapshot_from_row(row)
    assert snap.se == pytest.approx(cur.se) and snap.period_start.isoformat() == "2026-11-09"
