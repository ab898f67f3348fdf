"""Alerts found in history: the spike rules run over mentions that arrived after their time.

Live evaluation judges only the newest safe bucket (spike_rules.py), so mentions that arrive with
past timestamps (an import, a source's first poll, a source catching up after an outage) are never
judged live, and an incident inside them would go unseen. After such an ingest the brand's spike
rules run over its stored history, the same detector and lifecycle as `monitor backtest --brand`,
and every episode that is over is recorded as a `historical` alert: listed by `monitor alerts` and
the weekly report, never notified (nobody is paged for last month).

What is recorded, per rule and brand:
- episodes that resolved before the newest closed bucket; one still firing there is the live
  rule's to raise (and to notify: the incident is going on now);
- not an episode that overlaps a live alert of the same rule and brand: that incident was seen
  live and is recorded already.
The historical alerts of a rule and brand are replaced as a whole in one transaction, so running
again over the same store records the same rows, and more history replaces what it changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from monitor.alerting.engine import STATE_PREFIX
from monitor.alerting.rules import kinds
from monitor.alerting.spike_rules import SpikeKind
from monitor.alerting.store import AlertStore, Episode
from monitor.clock import Clock
from monitor.config.alert_kinds import Rule

if TYPE_CHECKING:
    from analysis.spikes.detector import Verdict
    from monitor.config import Settings
    from monitor.storage.store import Store


# How long after a brand's newest mention a backtest still judges its (empty) buckets, at least:
# longer than the longest span plus the default quiet period that resolves an episode (docs/alerts.md),
# so none is cut short; a rule with a longer `quiet` gets twice its own.
AFTER_THE_LAST_MENTION = timedelta(days=2)


def finished_episodes(verdicts: Sequence[Verdict], bucket: timedelta, metric: str) -> list[Episode]:
    """The episodes of a run of verdicts that resolved (one still firing at the end is not over)."""
    from analysis.spikes.detector import episodes

    return [
        _episode(verdicts[fired], verdicts[resolved].start.to_pydatetime() + bucket, bucket, metric)
        for fired, resolved in episodes(verdicts)
        if resolved is not None
    ]


def _episode(fire: Verdict, resolved_at: datetime, bucket: timedelta, metric: str) -> Episode:
    started = fire.start.to_pydatetime()
    numbers = {
        "metric": metric,
        "observed": float(fire.observed),
        "expected": float(fire.expected),
        "score": float(fire.score),
        "statistic": fire.statistic,
        "window_start": started.isoformat(),
        "window_end": (started + bucket).isoformat(),
        "bucket_seconds": int(bucket.total_seconds()),
    }
    # The shape of a live alert's details (engine.py), so messages and listings read both alike.
    return Episode(started, resolved_at, {"fired": numbers, "latest": numbers})


def spike_rules(settings: Settings) -> list[tuple[Rule, SpikeKind]]:
    """The configured rules whose kind judges bucketed counts (and so can be backtested)."""
    out = []
    for rule in settings.alerts.rules:
        kind = kinds()[rule.kind]
        if isinstance(kind, SpikeKind) and rule.params is not None:
            out.append((rule, kind))
    return out


def needs_history(settings: Settings, store: Store, earliest: Mapping[str, datetime]) -> set[str]:
    """Brands among `earliest` (brand -> oldest mention just stored) that got mentions the live
    rules will never judge: older than the newest bucket a spike rule of the brand has judged, or
    any mention at all when no rule has judged the brand yet."""
    from monitor.alerting.spike_rules import parse_time

    rules = spike_rules(settings)
    if not rules:
        return set()
    states = AlertStore(store).states_with_prefix(STATE_PREFIX)
    bucket = settings.detection.bucket
    out: set[str] = set()
    for brand, oldest in earliest.items():
        judged: list[str | None] = [
            states.get(r.labels(brand=brand).fingerprint, {}).get("judged")
            for r, _ in rules
            if brand in r.brands
        ]
        if any(j is None or oldest < parse_time(j) + bucket for j in judged):
            out.add(brand)
    return out


def record_history(settings: Settings, store: Store, brands: Iterable[str], *, clock: Clock) -> int:
    """Run the spike rules over the stored history of `brands` and record their finished episodes
    as historical alerts. Returns how many historical alerts the brands now have."""
    from monitor.alerting.series import bucket_counts, floor_time

    rules = spike_rules(settings)
    alerts = AlertStore(store)
    bucket = settings.detection.bucket
    now = floor_time(clock.now(), bucket)  # the bucket in progress is not judged
    # Silence after the newest mention ends every episode within a quiet period (hours), so judging
    # weeks of empty buckets after an old backfill would change nothing.
    after = max([AFTER_THE_LAST_MENTION, *(2 * r.params.quiet for r, _ in rules if r.params is not None)])
    recorded = 0
    for brand in sorted(set(brands)):
        span = alerts.mention_span(brand)
        if span is None or span[0] >= now:
            continue
        first, last = span
        end = min(now, floor_time(last, bucket) + after)
        frame = bucket_counts(store, brand, start=floor_time(first, bucket), end=end, bucket=bucket)
        for rule, kind in rules:
            if brand not in rule.brands:
                continue
            assert rule.params is not None  # spike_rules() keeps only rules with parameters
            verdicts = kind.verdicts(frame, rule.params, settings.timezone)
            finished = finished_episodes(verdicts, bucket, kind.metric)
            recorded += alerts.replace_historical(rule.labels(brand=brand), finished)
    return recorded


def record_late_history(
    settings: Settings, store: Store, earliest: Mapping[str, datetime], *, clock: Clock
) -> int:
    """After an ingest: backtest the brands that got mentions the live rules will never judge
    (`earliest`: brand -> oldest mention stored). Returns the historical alerts those brands hold."""
    brands = needs_history(settings, store, earliest)
    return record_history(settings, store, brands, clock=clock) if brands else 0
