"""The alert lifecycle with an injected clock, on real stores (SQLite, and PostgreSQL when set)
and a real local webhook: one episode -> one firing and one resolved notification; reminders;
silences; inhibition; restarts; and what must never fire (warm-up, sparse series, open buckets,
backfilled history)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pytest_httpserver import HTTPServer

from monitor.alerting.engine import AlertEngine
from monitor.storage.store import Store
from tests.support.alerts import (
    T0,
    Harness,
    hook_env,
    hourly,
    json_target,
    mention,
    write_settings,
)

SPIKE_RULE = """
[[alerts.rules]]
name = "neg"
kind = "negative_spike"
brands = ["acme"]
repeat_interval = "4h"
"""


@pytest.fixture
def hook(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    httpserver.expect_request("/hook/T0K3N-s3cr3t-9f8e7d6c5b4a", method="POST").respond_with_data("ok")
    yield httpserver


def harness(tmp_path, store: Store, server: HTTPServer | None, alerts: str) -> Harness:
    h = Harness(write_settings(tmp_path, alerts), store, server)
    if server is not None:
        h.environ.update(hook_env(server))
    return h


def history(h: Harness, days: int = 3, *, brand: str = "acme") -> None:
    """`days` of a flat baseline (1 negative of 6 mentions an hour) ending at T0."""
    h.insert(hourly(T0 - timedelta(days=days), 24 * days, brand=brand))


def spike(h: Harness, start_hour: int, hours: int, *, negative: int = 30) -> None:
    """Baseline from T0 for a day, with `hours` of `negative` negative mentions from T0 + start_hour."""
    h.insert(hourly(T0, start_hour))
    h.insert(hourly(T0 + timedelta(hours=start_hour), hours, negative=negative, tag="spike"))
    rest = start_hour + hours
    h.insert(hourly(T0 + timedelta(hours=rest), 24 - rest))


def test_one_episode_one_firing_and_one_resolved_notification(
    tmp_path, store: Store, hook: HTTPServer
) -> None:
    h = harness(tmp_path, store, hook, json_target() + SPIKE_RULE)
    history(h)
    spike(h, start_hour=4, hours=3)
    engine = h.engine()
    h.step(engine, T0 + timedelta(hours=20))
    # One episode: firing first, resolved last, at most reminders between (the episode lasts until
    # the spike's excess has gone plus its quiet period, whatever that is in hours).
    events = [e for e, _ in h.events()]
    assert events[0] == "firing" and events[-1] == "resolved" and events.count("firing") == 1
    assert all(e.startswith("repeat-") for e in events[1:-1])
    received = h.received()
    fired, resolved = received[0], received[-1]
    a = fired["alert"]
    assert a["window"]["start"] == (T0 + timedelta(hours=4)).isoformat()  # the first spike bucket
    assert a["observed"] == 30 and a["expected"] < 3 and a["statistic"]
    assert len(a["samples"]) == 3 and all(s["compound"] == -0.6 for s in a["samples"])
    assert fired["title"].startswith("[FIRING] acme: neg")
    assert resolved["alert"]["resolved_at"] is not None and resolved["title"].startswith("[RESOLVED]")
    # One episode in the table, resolved; every notification recorded as sent exactly once.
    rows = h.alerts.recent(limit=10)
    assert [(r["state"], r["rule"], r["brand"]) for r in rows] == [("resolved", "neg", "acme")]
    log = [(n["event"], n["status"], n["attempts"]) for n in h.alerts.log()]
    assert log[0] == ("firing", "sent", 1) and log[-1] == ("resolved", "sent", 1)
    assert all(status == "sent" and attempts == 1 for _, status, attempts in log)


def test_repeat_interval_reminds_while_firing_and_not_more_often(
    tmp_path, store: Store, hook: HTTPServer
) -> None:
    h = harness(tmp_path, store, hook, json_target() + SPIKE_RULE)
    history(h)
    spike(h, start_hour=2, hours=13)  # fires at the 02:00 bucket (judged 03:15), lasts into 15:00
    h.insert(hourly(T0 + timedelta(hours=24), 24))  # a second, quiet day: the episode resolves in it
    engine = h.engine()
    h.step(engine, T0 + timedelta(hours=40))
    events = [e for e, _ in h.events()]
    assert events[0] == "firing" and events[-1] == "resolved"
    reminders = events[1:-1]
    assert reminders == [f"repeat-{i}" for i in range(1, len(reminders) + 1)] and len(reminders) >= 2
    log = h.alerts.log()
    times = [n["created_at"] for n in log]
    gaps = [b - a for a, b in itertools.pairwise(times[:-1])]
    assert all(gap >= timedelta(hours=4) for gap in gaps), gaps


def test_a_restart_mid_episode_sends_nothing_twice(tmp_path, store: Store, hook: HTTPServer) -> None:
    h = harness(tmp_path, store, hook, json_target() + SPIKE_RULE)
    history(h)
    spike(h, start_hour=2, hours=6)
    first = h.engine()
    h.step(first, T0 + timedelta(hours=5))
    assert h.events() == [("firing", "neg acme")]
    # A new process: new engine objects over the same database, at the same moment and later.
    for _ in range(3):
        again = h.engine()
        assert again.evaluate() is not None
    assert h.events() == [("firing", "neg acme")]
    h.step(h.engine(), T0 + timedelta(hours=22))
    assert [e for e, _ in h.events()].count("firing") == 1
    assert [e for e, _ in h.events()][-1] == "resolved"


def test_a_crash_between_planning_and_sending_sends_the_notification_once_later(
    tmp_path, store: Store, hook: HTTPServer
) -> None:
    h = harness(tmp_path, store, hook, json_target() + SPIKE_RULE)
    history(h)
    spike(h, start_hour=2, hours=6)
    engine = h.engine()
    while not h.alerts.log():  # plan, but "crash" before delivering
        h.clock.advance(timedelta(minutes=15))
        h.polled()
        engine.evaluate(deliver=False)
    assert [(n["event"], n["status"]) for n in h.alerts.log()] == [("firing", "pending")]
    assert h.received() == []
    restarted = h.engine()
    restarted.evaluate()
    restarted.evaluate()
    h.engine().deliver()
    assert h.events() == [("firing", "neg acme")]
    assert [(n["event"], n["status"]) for n in h.alerts.log()] == [("firing", "sent")]


def test_silence_mutes_firing_and_the_notification_follows_when_it_ends(
    tmp_path, store: Store, hook: HTTPServer
) -> None:
    h = harness(tmp_path, store, hook, json_target() + SPIKE_RULE)
    history(h)
    spike(h, start_hour=2, hours=12)
    h.alerts.add_silence(
        brand="acme",
        rule="neg",
        source=None,
        starts_at=T0,
        ends_at=T0 + timedelta(hours=6),
        comment="deploy",
        created_by="test",
    )
    engine = h.engine()
    outcomes = h.step(engine, T0 + timedelta(hours=5, minutes=45))
    assert h.events() == []
    assert any(reason == "silence #1" for o in outcomes for _, reason in o.muted)
    assert [r["state"] for r in h.alerts.recent(limit=5)] == ["firing"]  # recorded, not notified
    h.step(engine, T0 + timedelta(hours=6, minutes=15))
    assert h.events() == [("firing", "neg acme")]


def test_a_silence_that_matches_another_brand_or_rule_does_not_mute(
    tmp_path, store: Store, hook: HTTPServer
) -> None:
    h = harness(tmp_path, store, hook, json_target() + SPIKE_RULE)
    history(h)
    spike(h, start_hour=2, hours=6)
    end = T0 + timedelta(days=1)
    h.alerts.add_silence(
        brand="globex", rule=None, source=None, starts_at=T0, ends_at=end, comment=None, created_by=None
    )
    h.alerts.add_silence(
        brand=None, rule="other", source=None, starts_at=T0, ends_at=end, comment=None, created_by=None
    )
    h.step(h.engine(), T0 + timedelta(hours=5))
    assert h.events() == [("firing", "neg acme")]


def test_connector_down_inhibits_the_spike_alerts_of_the_brands_it_feeds(
    tmp_path, store: Store, hook: HTTPServer
) -> None:
    rules = (
        SPIKE_RULE
        + """
[[alerts.rules]]
name = "down"
kind = "connector_down"
sources = ["reviews"]
failures = 2
no_success_for = "1d"
"""
    )
    h = harness(tmp_path, store, hook, json_target() + rules)
    history(h)
    spike(h, start_hour=2, hours=14)
    engine = h.engine()
    h.step(engine, T0 + timedelta(hours=4))
    assert h.events() == [("firing", "neg acme")]
    # `reviews` (feeding acme) fails twice: connector_down fires and mutes acme's spike reminders.
    h.polled("reviews", error="HTTP 503 <html>maintenance</html>")
    h.polled("reviews", error="HTTP 503 <html>maintenance</html>")
    outcome = engine.evaluate()
    assert outcome is not None
    assert h.events()[-1] == ("firing", "down reviews")
    down = h.received()[-1]["alert"]
    assert down["details"]["consecutive_failures"] == 2 and "maintenance" in down["details"]["last_error"]
    # Four hours on, still failing: the spike reminder is held back (inhibited); no new bucket of acme
    # is judged either, since `reviews` has not polled past it.
    for _ in range(16):
        h.clock.advance(timedelta(minutes=15))
        h.polled("feed")
        h.polled("reviews", error="HTTP 503")
        out = engine.evaluate()
        assert out is not None
    assert [e for e in h.events() if e[1] == "neg acme"] == [("firing", "neg acme")]
    assert any(reason == "connector_down reviews" for _, reason in out.muted)
    # The source recovers: connector_down resolves and the spike rule judges again.
    h.step(engine, T0 + timedelta(hours=22))
    names = h.events()
    assert ("resolved", "down reviews") in names
    assert names.count(("firing", "neg acme")) == 1


def test_warm_up_stops_a_new_brand_from_firing(tmp_path, store: Store, hook: HTTPServer) -> None:
    h = harness(tmp_path, store, hook, json_target() + SPIKE_RULE)
    # No history at all: the brand's first mentions arrive at T0, and a spike follows 6 hours later,
    # inside the 1-day warm-up.
    spike(h, start_hour=6, hours=3)
    outcomes = h.step(h.engine(), T0 + timedelta(hours=12), every=timedelta(hours=1))
    assert h.events() == [] and not any(o.fired for o in outcomes)


def test_a_sparse_brand_does_not_fire_on_its_occasional_mentions(
    tmp_path, store: Store, hook: HTTPServer
) -> None:
    h = harness(tmp_path, store, hook, json_target() + SPIKE_RULE)
    # Median 0 per hour: a negative mention every few hours, sometimes two or three in an hour.
    rows = []
    for hour in range(24 * 5):
        t = T0 - timedelta(days=3) + timedelta(hours=hour)
        n = 3 if hour % 37 == 0 else 2 if hour % 11 == 0 else 1 if hour % 4 == 0 else 0
        rows += [
            mention(f"sparse-{hour}-{i}", t + timedelta(minutes=7 * i), label="negative") for i in range(n)
        ]
    h.insert(rows)
    outcomes = h.step(h.engine(), T0 + timedelta(days=2), every=timedelta(hours=1))
    assert h.events() == [] and not any(o.fired for o in outcomes)


def test_an_open_bucket_is_not_judged_nor_one_a_source_has_not_polled_past(
    tmp_path, store: Store, hook: HTTPServer
) -> None:
    h = harness(tmp_path, store, hook, json_target() + SPIKE_RULE)
    history(h)
    h.insert(hourly(T0, 4, negative=30, tag="spike"))  # 00:00-04:00 is one long spike
    engine = h.engine()
    h.at(T0 + timedelta(minutes=50))  # the 00:00 bucket is still open
    h.polled()
    assert engine.evaluate() is not None and h.events() == []
    h.at(T0 + timedelta(hours=1, minutes=2))  # closed, but within the sources' 5-minute overlap
    h.polled()
    assert engine.evaluate() is not None and h.events() == []
    h.at(T0 + timedelta(hours=1, minutes=20))  # closed; `reviews` last polled before 01:05
    h.polled("feed")
    assert engine.evaluate() is not None and h.events() == []
    h.polled("reviews")  # every source of acme past 01:05: the 00:00 bucket is judged
    assert engine.evaluate() is not None and h.events() == [("firing", "neg acme")]


def test_backfilled_history_never_notifies(tmp_path, store: Store, hook: HTTPServer) -> None:
    h = harness(tmp_path, store, hook, json_target() + SPIKE_RULE)
    history(h, days=2)
    h.insert(hourly(T0, 20))
    engine = h.engine()
    h.step(engine, T0 + timedelta(hours=18))
    # Late data: a spike in buckets judged long ago (a backfill, or a source catching up), whose
    # episode is over by the newest bucket: only the state at the newest bucket counts.
    h.insert(hourly(T0 + timedelta(hours=3), 3, negative=40, tag="late"))
    h.step(engine, T0 + timedelta(hours=19))
    assert h.events() == []
    # ... and a first evaluation over a history that holds an old episode (a fresh daemon on
    # imported data) judges only the newest bucket.
    h2 = harness(tmp_path / "fresh", store, hook, json_target() + SPIKE_RULE.replace('"neg"', '"neg2"'))
    h2.clock = h.clock
    assert h2.engine().evaluate() is not None
    assert h.events() == [] and [r["rule"] for r in h.alerts.recent(limit=10)] == []


def test_a_rule_with_no_targets_records_the_episode(tmp_path, store: Store) -> None:
    h = harness(
        tmp_path, store, None, SPIKE_RULE.replace('brands = ["acme"]', 'brands = ["acme"]\ntargets = []')
    )
    history(h)
    spike(h, start_hour=2, hours=3)
    h.step(h.engine(), T0 + timedelta(hours=4))
    rows = h.alerts.recent(limit=5)
    assert [(r["state"], r["rule"]) for r in rows] == [("firing", "neg")] and h.alerts.log() == []


def test_engine_without_alerts_section_uses_default_rules_and_stays_quiet(tmp_path, store: Store) -> None:
    h = harness(tmp_path, store, None, "")
    assert {r.name for r in h.settings.alerts.rules} == {
        "negative_spike",
        "negative_share",
        "volume_spike",
        "connector_down",
    }
    history(h)
    h.insert(hourly(T0, 6))
    outcomes = h.step(AlertEngine(h.settings, store, clock=h.clock), T0 + timedelta(hours=6))
    assert not any(o.fired or o.planned for o in outcomes)
