"""index_below and index_drop through the alerting engine: stored index snapshots in, one
firing and one resolved notification out, and a drop inside the estimates' noise stays quiet."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connectors.errors import ConfigError
from monitor.index.queries import upsert_snapshot
from monitor.storage.store import Store
from tests.support.alerts import SECRET_PATH, T0, Harness, hook_env, json_target, write_settings

# T0 is Tuesday 2026-11-10 03:00 in Europe/Istanbul (the test settings' zone):
# the last complete week starts Monday 2026-11-02.
W44, W45, W46 = date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9)

RULES = """
[[alerts.rules]]
name = "index-low"
kind = "index_below"
brands = ["acme"]
below = 65

[[alerts.rules]]
name = "index-drop"
kind = "index_drop"
brands = ["acme"]
"""


@pytest.fixture
def hook(httpserver):
    httpserver.expect_request(SECRET_PATH, method="POST").respond_with_data("ok")
    return httpserver


def snapshot(store: Store, start: date, value: float, se: float, brand: str = "acme") -> None:
    upsert_snapshot(
        store,
        {
            "brand": brand,
            "period": "week",
            "period_start": start,
            "value": value,
            "low": value - 1.96 * se,
            "high": value + 1.96 * se,
            # snapshot_from_row recomputes the index's se from its components (share x se).
            "components": {"csat": {"raw": value, "value": value, "n": 100, "weight": 1.0, "se": se}},
            "drivers": [],
            "computed_at": T0,
        },
    )


def make(tmp_path, store: Store, server, rules: str = RULES) -> Harness:
    h = Harness(write_settings(tmp_path, json_target() + rules), store, server)
    h.environ.update(hook_env(server))
    return h


def test_a_low_index_and_a_real_drop_fire_once_and_resolve_once(tmp_path, store: Store, hook) -> None:
    h = make(tmp_path, store, hook)
    snapshot(store, W44, 72.0, 1.5)
    snapshot(store, W45, 60.0, 1.5)  # 12 points down; the difference's se is 2.1
    engine = h.engine()
    engine.evaluate()
    assert sorted(h.events()) == [("firing", "index-drop acme"), ("firing", "index-low acme")]
    bodies = {b["alert"]["rule"]: b for b in h.received()}
    low, drop = bodies["index-low"], bodies["index-drop"]
    assert low["alert"]["observed"] == 60.0 and low["alert"]["expected"] == 65.0
    assert drop["alert"]["expected"] == 72.0 and drop["alert"]["statistic"] == "5.7 standard errors"
    assert "Observed: 60 satisfaction index, expected 72" in drop["message"]

    h.clock.advance(timedelta(hours=1))
    h.engine().evaluate()  # a restart, same week: nothing new to say
    assert len(h.received()) == 2
    h.clock.advance(timedelta(hours=4))
    h.engine().evaluate()  # still firing after the repeat interval (4h): one reminder each
    assert sorted(e for e, _ in h.events()[2:]) == ["repeat-1", "repeat-1"]

    h.at(T0 + timedelta(days=7))  # the next week completes with a recovered index
    snapshot(store, W46, 69.0, 1.5)
    h.engine().evaluate()
    assert sorted(h.events()[4:]) == [("resolved", "index-drop acme"), ("resolved", "index-low acme")]


def test_a_drop_inside_the_noise_does_not_fire(tmp_path, store: Store, hook) -> None:
    h = make(tmp_path, store, hook)
    snapshot(store, W44, 70.0, 3.0)
    snapshot(store, W45, 66.0, 3.0)  # 4 points down, but 1.96 x sqrt(3² + 3²) = 8.3
    h.engine().evaluate()
    assert h.events() == []


def test_a_stale_snapshot_or_a_gap_is_not_judged_as_this_period(tmp_path, store: Store, hook) -> None:
    h = make(tmp_path, store, hook)
    snapshot(store, W44 - timedelta(days=7), 80.0, 1.0)
    snapshot(store, W44, 50.0, 1.0)  # low and a big drop, but W45 (the last complete week) has no snapshot
    h.engine().evaluate()
    assert h.events() == []
    snapshot(store, W45, 50.0, 1.0)  # W45 now exists; W44 -> W45 is flat, so only index_below fires
    h.engine().evaluate()
    assert h.events() == [("firing", "index-low acme")]


def test_index_rule_settings_are_checked(tmp_path, store: Store, hook) -> None:
    bad = RULES.replace("below = 65", "below = 165")
    with pytest.raises(ConfigError, match=r"alerts\.rules\[0\]\.below"):
        make(tmp_path, store, hook, bad)
