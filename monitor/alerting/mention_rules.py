"""Per-mention rules: low_rating_review (stars <= N) and negative_high_reach (negative, reach >= N).

Each matching mention is not a message of its own: they are batched into one message per rule,
brand and `batch_interval` (the first one after a quiet spell goes out at the next evaluation;
later ones wait for the interval to pass). rule_state remembers the newest mention id seen, so
nothing is reported twice, and a rule's first evaluation starts from "now": history never notifies.

What counts as new: mentions stored after the last batch (by id), polled by a configured source
of the brand (rows of `monitor import` are history), created no earlier than the rule's first
evaluation and no longer than `max_age` ago (a source catching up on days of backlog does not
report those days). Mentions from a source whose connector_down alert is firing are skipped:
that alert already says the source's data is suspect.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from monitor.alerting.rules import BatchCondition, EvalContext, Rule, RuleKind, register
from monitor.storage import schema

M = schema.mentions


class _PerMention(RuleKind):
    def predicate(self, rule: Rule) -> sa.ColumnElement[bool]:
        raise NotImplementedError

    def describe(self, rule: Rule) -> str:
        raise NotImplementedError

    def evaluate(self, rule: Rule, ctx: EvalContext) -> Iterator[BatchCondition]:
        opts: Any = rule.options
        newest_id = _newest_id(ctx)
        for brand in ctx.brands_of(rule):
            labels = rule.labels(brand=brand)
            state = ctx.state(labels.fingerprint) or {}
            if "last_id" not in state:  # first evaluation: start from now
                start = {"last_id": newest_id, "since": ctx.now.isoformat(), "last_sent_at": None}
                yield BatchCondition(labels, (), 0, {}, labels.fingerprint, start)
                continue
            last_sent = _time(state.get("last_sent_at"))
            if last_sent is not None and ctx.now < last_sent + opts.batch_interval:
                continue  # keep collecting; the next batch is not due yet
            sources = [s.name for s in ctx.feeding_sources(brand) if s.name not in ctx.inhibited]
            since = max(_time(state["since"]) or ctx.now, ctx.now - opts.max_age)
            where = sa.and_(
                M.c.brand == brand,
                M.c.id > int(state["last_id"]),
                M.c.id <= newest_id,
                M.c.source_name.in_(sources),
                M.c.created_at >= since,
                self.predicate(rule),
            )
            with ctx.store.atomic(write=False) as conn:
                count = int(conn.execute(sa.select(sa.func.count()).select_from(M).where(where)).scalar_one())
                ids = (
                    [
                        r[0]
                        for r in conn.execute(
                            sa.select(M.c.id)
                            .where(where)
                            .order_by(M.c.compound, M.c.id)
                            .limit(opts.max_items)
                        )
                    ]
                    if count
                    else []
                )
            new_state = {
                "last_id": max(newest_id, int(state["last_id"])),
                "since": state["since"],
                "last_sent_at": ctx.now.isoformat() if count else state.get("last_sent_at"),
            }
            details = {
                "count": count,
                "what": self.describe(rule),
                "mention_ids": ids,
                "since": since.isoformat(),
                "until": ctx.now.isoformat(),
            }
            yield BatchCondition(labels, tuple(ids), count, details, labels.fingerprint, new_state)


def _newest_id(ctx: EvalContext) -> int:
    if "newest-mention-id" not in ctx.cache:
        with ctx.store.atomic(write=False) as conn:
            ctx.cache["newest-mention-id"] = int(
                conn.execute(sa.select(sa.func.max(M.c.id))).scalar_one() or 0
            )
    return ctx.cache["newest-mention-id"]


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


@register
class LowRatingReview(_PerMention):
    """Reviews with at most `max_stars` stars."""

    kind = "low_rating_review"

    def predicate(self, rule: Rule) -> sa.ColumnElement[bool]:
        opts: Any = rule.options
        return sa.and_(M.c.rating.is_not(None), M.c.rating <= opts.max_stars)

    def describe(self, rule: Rule) -> str:
        opts: Any = rule.options
        return f"reviews with {'1' if opts.max_stars == 1 else f'1-{opts.max_stars}'} stars"


@register
class NegativeHighReach(_PerMention):
    """Negative mentions whose reach (followers, views) is at least `min_reach`."""

    kind = "negative_high_reach"

    def predicate(self, rule: Rule) -> sa.ColumnElement[bool]:
        opts: Any = rule.options
        return sa.and_(M.c.label == "negative", M.c.reach.is_not(None), M.c.reach >= opts.min_reach)

    def describe(self, rule: Rule) -> str:
        opts: Any = rule.options
        return f"negative mentions with reach of at least {opts.min_reach:,}"
