"""connector_down: a source failing, read from connector_health (the foundation's health model).

A source is down after `failures` consecutive failed polls, or when its last successful poll is
older than `no_success_for` (default: four of its intervals, at least an hour), which also
covers a source that is rate limited or over its read budget for long. A source that was never
polled is not judged. While it fires, it mutes the spike alerts of the brands the source feeds
(engine.py): their counts are missing that source's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from monitor.alerting.rules import EvalContext, Rule, RuleKind, StateCondition, register


def stale_after(interval: timedelta, configured: timedelta | None) -> timedelta:
    return configured or max(4 * interval, timedelta(hours=1))


@register
class ConnectorDown(RuleKind):
    kind = "connector_down"

    def evaluate(self, rule: Rule, ctx: EvalContext) -> Iterator[StateCondition]:
        opts: Any = rule.options
        names = opts.sources if opts.sources is not None else list(ctx.settings.sources)
        health = ctx.health()
        for name in names:
            src = ctx.settings.sources.get(name)
            if (
                src is None
                or not src.settings.enabled
                or (ctx.sources is not None and name not in ctx.sources)
            ):
                continue
            labels = rule.labels(source=name)
            row = health.get(name)
            if row is None:
                yield StateCondition(labels, False, ctx.now, ctx.now)
                continue
            limit = stale_after(src.settings.interval, opts.no_success_for)
            last_success = row["last_success_at"]
            failing = row["consecutive_failures"] >= opts.failures
            stale = last_success is not None and ctx.now - last_success >= limit
            details = {
                "source_type": src.type,
                "consecutive_failures": row["consecutive_failures"],
                "failures_threshold": opts.failures,
                "no_success_for_seconds": int(limit.total_seconds()),
                "last_success_at": last_success.isoformat() if last_success else None,
                "last_attempt_at": row["last_attempt_at"].isoformat() if row["last_attempt_at"] else None,
                "last_error": row["last_error"] if failing or stale else None,
                "brands": list(src.brands),
            }
            yield StateCondition(labels, failing or stale, ctx.now, ctx.now, details)
