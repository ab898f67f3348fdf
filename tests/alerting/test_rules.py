"""Per-mention rules (batched, history never notifies) and connector_down, through the engine on a
real store and a real local webhook; and the rule registry that the index rules use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import BaseModel, ConfigDict

from monitor.alerting import rules as rules_module
from monitor.alerting.rules import RuleKind, StateCondition, kinds, register
from monitor.config import alert_kinds
from monitor.storage.store import Store
from tests.support.alerts import SECRET_PATH, T0, Harness, hook_env, json_target, mention, write_settings

LOW_RATING = """
[[alerts.rules]]
name = "bad-reviews"
kind = "low_rating_review"
brands = ["acme"]
max_stars = 2
batch_interval = "30m"
max_items = 2
"""


@pytest.fixture
def hook(httpserver):
    httpserver.expect_request(SECRET_PATH, method="POST").respond_with_data("ok")
    return httpserver


def review(n: int, minutes_ago: float, stars: int, h: Harness, **kw) -> dict:
    return mention(
        f"r{n}",
        h.clock.now() - timedelta(minutes=minutes_ago),
        label="negative" if stars <= 2 else "positive",
        source="appstore",
        source_name=kw.pop("source_name", "reviews"),
        rating=stars,
        text=kw.pop("text", f"{stars} stars"),
        compound=(stars - 3) / 2,
        **kw,
    )


def make(tmp_path, store: Store, server, alerts: str) -> Harness:
    h = Harness(write_settings(tmp_path, json_target() + alerts), store, server)
    h.environ.update(hook_env(server))
    return h


def test_low_rating_reviews_are_batched_and_history_never_notifies(tmp_path, store: Store, hook) -> None:
    h = make(tmp_path, store, hook, LOW_RATING)
    h.at(T0)
    h.insert([review(1, 30, 1, h), review(2, 20, 2, h)])  # before the rule's first evaluation
    engine = h.engine()
    assert engine.evaluate() is not None and h.received() == []  # first run starts from now
    h.clock.advance(timedelta(minutes=5))
    h.insert(
        [
            review(3, 1, 1, h, text="App deleted my notes <!channel>", url="https://apps.apple.com/r/3"),
            review(4, 1, 2, h),
            review(5, 1, 3, h),  # 3 stars: not matched
            review(6, 1, 1, h, source_name="import"),  # `monitor import` rows are history
            review(7, 60 * 30, 1, h),  # created 30 hours ago, seen now: older than max_age
            review(8, 1, 1, h, brand="globex", source_name="feed"),  # another brand
            review(9, 1, 1, h),
        ]
    )
    engine.evaluate()
    (first,) = h.received()
    a = first["alert"]
    assert a["event"] == "batch" and a["count"] == 3 and a["what"] == "reviews with 1-2 stars"
    assert [s["text"] for s in a["samples"]] == ["App deleted my notes <!channel>", "1 stars"]  # max_items
    assert first["title"] == "[NEW] acme: 3 reviews with 1-2 stars"
    assert "Listed: 2 of 3 (the most negative first)" in first["message"]
    # More within the batch interval wait; after it, one message for all of them.
    h.clock.advance(timedelta(minutes=10))
    h.insert([review(10, 1, 2, h)])
    engine.evaluate()
    h.clock.advance(timedelta(minutes=10))
    h.insert([review(11, 1, 1, h)])
    engine.evaluate()
    assert len(h.received()) == 1
    h.clock.advance(timedelta(minutes=15))
    engine.evaluate()
    engine.evaluate()
    bodies = h.received()
    assert [b["alert"]["count"] for b in bodies] == [3, 2]
    # A restart does not report them again.
    h.clock.advance(timedelta(hours=1))
    h.engine().evaluate()
    assert len(h.received()) == 2
    batches = [r for r in h.alerts.recent(limit=10)]
    assert [(r["state"], r["rule"]) for r in batches] == [("resolved", "bad-reviews")] * 2


def test_negative_high_reach(tmp_path, store: Store, hook) -> None:
    rule = """
[[alerts.rules]]
name = "loud"
kind = "negative_high_reach"
min_reach = 10000
"""
    h = make(tmp_path, store, hook, rule)
    h.at(T0)
    engine = h.engine()
    engine.evaluate()
    h.clock.advance(timedelta(minutes=5))
    now = h.clock.now()
    h.insert(
        [
            mention("a", now, label="negative", reach=50_000, text="never again"),
            mention("b", now, label="positive", reach=90_000),
            mention("c", now, label="negative", reach=10),
            mention("d", now, label="negative", reach=None),
            mention("e", now, label="negative", reach=12_000, brand="globex"),
        ]
    )
    engine.evaluate()
    got = sorted((b["alert"]["brand"], b["alert"]["count"]) for b in h.received())
    assert got == [("acme", 1), ("globex", 1)]
    acme = next(b for b in h.received() if b["alert"]["brand"] == "acme")
    assert acme["alert"]["samples"][0]["reach"] == 50_000


def test_a_silenced_batch_is_recorded_and_never_sent(tmp_path, store: Store, hook) -> None:
    h = make(tmp_path, store, hook, LOW_RATING)
    h.at(T0)
    engine = h.engine()
    engine.evaluate()
    h.alerts.add_silence(
        brand=None,
        rule="bad-reviews",
        source=None,
        starts_at=T0,
        ends_at=T0 + timedelta(hours=1),
        comment=None,
        created_by=None,
    )
    h.clock.advance(timedelta(minutes=5))
    h.insert([review(1, 1, 1, h)])
    outcome = engine.evaluate()
    assert outcome is not None and outcome.muted and h.received() == []
    (row,) = h.alerts.recent(limit=5)
    assert row["details"]["muted"] == "silence #1" and row["details"]["count"] == 1
    h.clock.advance(timedelta(hours=2))
    engine.evaluate()
    assert h.received() == []  # not sent later either: the batch was muted, not postponed


CONNECTOR_DOWN = """
[[alerts.rules]]
name = "down"
kind = "connector_down"
failures = 3
no_success_for = "2h"
"""


def test_connector_down_after_consecutive_failures_then_resolved(tmp_path, store: Store, hook) -> None:
    h = make(tmp_path, store, hook, CONNECTOR_DOWN)
    h.at(T0)
    engine = h.engine()
    engine.evaluate()  # never polled: nothing judged
    assert h.alerts.recent(limit=5) == []
    for _ in range(2):
        h.clock.advance(timedelta(minutes=15))
        h.polled("feed", "reviews", error="HTTP 502 Bad Gateway")
        engine.evaluate()
    assert h.received() == []
    h.clock.advance(timedelta(minutes=15))
    h.polled("feed", error="HTTP 502 Bad Gateway \x1b[2J<b>")
    h.polled("reviews")
    engine.evaluate()
    assert h.events() == [("firing", "down feed")]
    body = h.received()[0]
    assert body["title"] == "[FIRING] source feed is down"
    assert body["alert"]["details"]["consecutive_failures"] == 3
    assert "Last error: HTTP 502 Bad Gateway <b>" in body["message"]  # escape sequence stripped
    h.clock.advance(timedelta(minutes=15))
    h.polled("feed")
    engine.evaluate()
    assert h.events() == [("firing", "down feed"), ("resolved", "down feed")]
    assert h.received()[1]["title"] == "[RESOLVED] source feed is polling again"


def test_connector_down_when_no_success_for_too_long(tmp_path, store: Store, hook) -> None:
    h = make(tmp_path, store, hook, CONNECTOR_DOWN)
    h.at(T0)
    h.polled()
    engine = h.engine()
    engine.evaluate()
    h.clock.advance(timedelta(hours=1, minutes=59))
    engine.evaluate()
    assert h.received() == []
    h.clock.advance(timedelta(minutes=2))  # deferred, rate limited, paused: no success for 2 hours
    engine.evaluate()
    assert sorted(h.events()) == [("firing", "down feed"), ("firing", "down reviews")]


def test_mentions_of_a_source_that_is_down_do_not_batch(tmp_path, store: Store, hook) -> None:
    h = make(tmp_path, store, hook, LOW_RATING + CONNECTOR_DOWN)
    h.at(T0)
    h.polled()
    engine = h.engine()
    engine.evaluate()
    for _ in range(3):
        h.polled("reviews", error="timeout")
    h.polled("feed")
    h.clock.advance(timedelta(minutes=1))
    h.insert([review(1, 0.5, 1, h), review(2, 0.5, 1, h, source_name="feed")])
    engine.evaluate()
    batch = [b for b in h.received() if b["alert"]["event"] == "batch"]
    assert [b["alert"]["count"] for b in batch] == [1]
    assert [s["source"] for s in batch[0]["alert"]["samples"]] == ["appstore"]
    assert batch[0]["alert"]["samples"][0]["text"] == "1 stars"
    # (the one from the failing `reviews` source was skipped; the one from `feed` was batched)
    assert ("firing", "down reviews") in h.events()


class _BelowOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    below: float


def test_a_new_rule_kind_is_one_registered_class(tmp_path, store: Store, hook, monkeypatch) -> None:
    """The extension point index_below / index_drop use: a kind, its options, an evaluator."""
    monkeypatch.setattr(rules_module, "_KINDS", dict(kinds()))
    monkeypatch.setattr(alert_kinds, "_KINDS", dict(alert_kinds.rule_kinds()))

    @register
    class IndexBelow(RuleKind):
        kind = "index_below_test"
        family = "index"
        Options = _BelowOptions

        def evaluate(self, rule, ctx):
            for brand in ctx.brands_of(rule):
                value = 61.0  # an index snapshot would be read here
                details = {"metric": "index", "observed": value, "expected": rule.options.below}
                yield StateCondition(
                    rule.labels(brand=brand), value < rule.options.below, ctx.now, ctx.now, details
                )

    rule = '[[alerts.rules]]\nname = "index-low"\nkind = "index_below_test"\nbrands = ["acme"]\nbelow = 65\n'
    h = make(tmp_path, store, hook, rule)
    h.engine().evaluate()
    assert h.events() == [("firing", "index-low acme")]
    assert "Observed: 61 index, expected 65" in h.received()[0]["message"]
