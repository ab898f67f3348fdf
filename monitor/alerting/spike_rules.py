"""The spike rules: negative_spike, negative_share, volume_spike (detector: analysis/spikes/detector.py).

What is judged, and when (the rules that make alerts trustworthy):
- only CLOSED buckets, and only SAFE ones: a bucket [s, e) is safe once every enabled source
  feeding the brand has a successful poll at or after e + its `overlap` (connector_health's
  last_success_at), so posts indexed late by an API are in before the bucket is judged. A brand
  none of whose sources succeeded yet (or fed by no source) is not judged at all;
- only the NEWEST safe bucket counts, and only if it is newer than the last bucket judged
  (rule_state): buckets that became safe together (a restart, a source catching up after an
  outage) are history, so late mentions never notify for the past;
- the detector runs causally over the lookback window that ends at that bucket (one
  bucket_counts query per brand per evaluation, shared by the three rules), starting at the
  brand's first mention inside the window, so the warm-up counts from real data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from analysis.spikes.params import SpikeParams
from monitor.alerting.rules import EvalContext, Family, Rule, RuleKind, StateCondition, register

# pandas, the detector and the series queries load on the first evaluation, not when settings are
# validated (every command validates them; `monitor import` should not pay for pandas).
if TYPE_CHECKING:
    import pandas as pd

    from analysis.spikes.detector import Verdict


def default_lookback(params: SpikeParams) -> timedelta:
    """Enough history for the warm-up plus two half-lives of the slowest adapting baseline (and
    the window that sets a series' noise scale)."""
    slowest = max(2 * params.halflife, 2 * params.season_halflife, params.tail_window + max(params.spans))
    return params.warmup + slowest


def newest_safe_bucket(ctx: EvalContext, brand: str, bucket: timedelta) -> datetime | None:
    """Start of the newest closed bucket every source of the brand has polled past (or None)."""
    from monitor.alerting.series import floor_time

    sources = ctx.feeding_sources(brand)
    if not sources:
        return None
    health = ctx.health()
    horizon = ctx.now
    for src in sources:
        row = health.get(src.name)
        last = row["last_success_at"] if row is not None else None
        if last is None:
            return None
        horizon = min(horizon, last - src.settings.overlap)
    return floor_time(horizon, bucket) - bucket


class BrandWindow:
    """The counts one evaluation judges for a brand: buckets up to the newest safe one."""

    def __init__(self, frame: pd.DataFrame, newest: datetime | None, bucket: timedelta) -> None:
        self.frame = frame
        self.newest = newest
        self.bucket = bucket


def brand_window(ctx: EvalContext, brand: str) -> BrandWindow:
    key = ("spike-window", brand)
    if key not in ctx.cache:
        import pandas as pd

        from monitor.alerting.series import bucket_counts

        detection = ctx.settings.detection
        bucket = detection.bucket
        newest = newest_safe_bucket(ctx, brand, bucket)
        frame = pd.DataFrame(columns=["total", "scored", "negative"])
        if newest is not None:
            end = newest + bucket
            frame = bucket_counts(ctx.store, brand, start=end - lookback(ctx), end=end, bucket=bucket)
            nonzero = frame.index[frame["total"].to_numpy() > 0]
            frame = frame.loc[nonzero[0] :] if len(nonzero) else frame.iloc[0:0]
        ctx.cache[key] = BrandWindow(frame, newest, bucket)
    return ctx.cache[key]


def lookback(ctx: EvalContext) -> timedelta:
    if "spike-lookback" not in ctx.cache:
        configured = ctx.settings.alerts.lookback
        params = [r.params for r in ctx.settings.alerts.rules if r.params is not None]
        params.append(ctx.settings.detection.to_params())
        ctx.cache["spike-lookback"] = configured or max(default_lookback(p) for p in params)
    return ctx.cache["spike-lookback"]


class SpikeKind(RuleKind):
    """A rule kind that judges a brand's bucketed counts with the spike detector."""

    family: ClassVar[Family] = "sentiment"
    uses_detection = True
    metric: ClassVar[str]

    def verdicts(self, frame: pd.DataFrame, params: SpikeParams, tz: Any) -> list[Verdict]:
        raise NotImplementedError

    def evaluate(self, rule: Rule, ctx: EvalContext) -> Iterator[StateCondition]:
        assert rule.params is not None
        for brand in ctx.brands_of(rule):
            labels = rule.labels(brand=brand)
            window = brand_window(ctx, brand)
            state = ctx.state(labels.fingerprint) or {}
            last = state.get("judged")
            newest = window.newest
            if newest is None or (last is not None and newest <= parse_time(last)):
                yield StateCondition(labels, None, ctx.now, ctx.now)  # nothing new: reminders only
                continue
            end = newest + window.bucket
            details: dict[str, Any] = {
                "metric": self.metric,
                "window_start": newest.isoformat(),
                "window_end": end.isoformat(),
                "bucket_seconds": int(window.bucket.total_seconds()),
            }
            firing = False
            if len(window.frame):
                verdicts = self.verdicts(window.frame, rule.params, ctx.settings.timezone)
                v = verdicts[-1]
                if v.start.to_pydatetime() != newest:  # the frame always ends at the newest safe bucket
                    raise AssertionError(f"verdict for {v.start}, expected {newest}")
                firing = v.firing
                details.update(
                    observed=v.observed,
                    expected=v.expected,
                    score=v.score,
                    statistic=v.statistic,
                    **self.extra(window.frame.iloc[-1]),
                )
            else:
                details.update(observed=0.0, expected=0.0, score=0.0, statistic="no mentions")
            yield StateCondition(
                labels,
                firing,
                at=end,
                started_at=newest,
                details=details,
                state={"judged": newest.isoformat()},
            )

    def extra(self, row: pd.Series) -> dict[str, Any]:
        # The judged bucket's own counts (the detector may sum a longer span: see `statistic`).
        return {"bucket_counts": {k: int(row[k]) for k in ("total", "scored", "negative")}}


@register
class NegativeSpike(SpikeKind):
    """Count of negative mentions per bucket against its expected level."""

    kind = "negative_spike"
    metric = "negative mentions"

    def verdicts(self, frame: pd.DataFrame, params: SpikeParams, tz: Any) -> list[Verdict]:
        from analysis.spikes.detector import count_spike

        return count_spike(frame["negative"], params, tz)


@register
class VolumeSpike(SpikeKind):
    """Count of all mentions per bucket against its expected level."""

    kind = "volume_spike"
    metric = "mentions"

    def verdicts(self, frame: pd.DataFrame, params: SpikeParams, tz: Any) -> list[Verdict]:
        from analysis.spikes.detector import count_spike

        return count_spike(frame["total"], params, tz)


@register
class NegativeShare(SpikeKind):
    """Share of negative among scored mentions (binomial test): a happy viral day does not fire."""

    kind = "negative_share"
    metric = "negative share"

    def verdicts(self, frame: pd.DataFrame, params: SpikeParams, tz: Any) -> list[Verdict]:
        from analysis.spikes.detector import share_rise

        return share_rise(frame["negative"], frame["scored"], params, tz)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)
