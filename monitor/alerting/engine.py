"""The alert engine: conditions in, episodes and notifications out.

Lifecycle. An alert (identity: fingerprint of rule, kind, brand, source) has episodes, one row
of `alerts` each: created `firing` when its rule first judges it firing, updated with the newest
numbers while it keeps firing, `resolved` when the rule judges it fine again. A rule that could
judge nothing new (no new safe bucket) leaves it as it is.

Notifications, per episode and target (notification_log, unique on alert, event and target):
`firing` once; `repeat-N` every `repeat_interval` after the previous one while firing;
`resolved` to the targets that were sent (or are still being sent) the firing. Per-mention
rules create one already-resolved episode per batch with one `batch` event.

Muting. An active silence whose matchers (brand, rule, source; empty = any) match the alert's
labels, or a firing connector_down alert of a source that feeds the alert's brand (spike
rules only: their counts miss that source's data), holds back `firing` and reminders. The
episode is still recorded, and its firing notification goes out when the mute ends if it is
still firing then; a batch made while muted is recorded and never sent. The all-clear is not
muted: whoever was told it was firing is told it resolved.

Exactly once. Transition and planned notifications commit in one transaction, as `pending`
rows, before anything is sent; after a target accepts, the row becomes `sent`. A restart
therefore never re-plans what was planned (the unique key) nor re-sends what was sent, and
pending rows left by a crash are sent on the next evaluation: a crash after a target accepted
but before `sent` was recorded sends that one notification twice, never more.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from monitor.alerting.delivery import DeliveryResult, Resolver, Sender
from monitor.alerting.notices import notice_for
from monitor.alerting.rules import (
    MUTED_BY_CONNECTOR_DOWN,
    BatchCondition,
    Condition,
    EvalContext,
    Rule,
    StateCondition,
    kinds,
)
from monitor.alerting.store import AlertStore, Silence
from monitor.clock import Clock, SystemClock
from monitor.config.alert_kinds import Labels

if TYPE_CHECKING:
    from monitor.config import Settings
    from monitor.storage.store import Store

log = logging.getLogger(__name__)
STATE_PREFIX = "alert:"
FIRING = "firing-fingerprints"  # EvalContext.cache key: alerts firing when the evaluation began


@dataclass
class Outcome:
    """What one evaluation did (for logs and tests)."""

    fired: list[Labels] = field(default_factory=list)
    resolved: list[Labels] = field(default_factory=list)
    batches: list[Labels] = field(default_factory=list)
    muted: list[tuple[Labels, str]] = field(default_factory=list)
    planned: int = 0
    errors: list[str] = field(default_factory=list)
    results: list[DeliveryResult] = field(default_factory=list)


class AlertEngine:
    """Evaluates the configured rules and delivers what they call for. Thread-safe: one
    evaluation at a time per engine; several daemons on PostgreSQL are serialised per alert by
    row locks and per notification attempt by `AlertStore.claim`."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], object] = time.sleep,
        environ: Mapping[str, str] | None = None,
        resolve: Resolver = socket.getaddrinfo,
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.config = settings.alerts
        self.store = store
        self.alerts = AlertStore(store)
        self.clock = clock or SystemClock()
        self.stop = stop
        self.sender = Sender(
            self.config, settings.timezone, sleep=sleep, environ=environ, resolve=resolve, stop=stop
        )
        self._lock = threading.Lock()

    # -- evaluation -----------------------------------------------------------------------------

    def evaluate(
        self,
        *,
        brands: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        deliver: bool = True,
        wait: bool = True,
    ) -> Outcome | None:
        """Judge the rules (all, or those about these brands / sources), record transitions and
        plan notifications, then send what is pending. With wait=False, returns None at once if
        another evaluation is running (the daemon's timer will catch up)."""
        if not self._lock.acquire(blocking=wait):
            return None
        try:
            outcome = Outcome()
            now = self.clock.now()
            scoped = brands is not None or sources is not None
            ctx = EvalContext(
                self.settings,
                self.store,
                now,
                brands=frozenset(brands) if brands is not None else None,
                sources=frozenset(sources) if sources is not None else None,
                states=self.alerts.states_with_prefix(STATE_PREFIX),
            )
            silences = self.alerts.active_silences(now)
            known = kinds()
            health = [r for r in self.config.rules if known[r.kind].family == "health"]
            others = [r for r in self.config.rules if known[r.kind].family != "health"]
            seen: set[str] = set()
            ctx.cache[FIRING] = {row["fingerprint"] for row in self.alerts.firing()}
            self._run(health, ctx, silences, outcome, seen)
            ctx.inhibited = self._inhibited()  # after the health rules: this evaluation's view
            self._run(others, ctx, silences, outcome, seen)
            if not scoped and not outcome.errors:  # a rule that failed produced nothing: not an orphan
                closed = self.alerts.close_orphans(seen, now)
                if closed:
                    log.info("resolved %d alert(s) whose rule is no longer configured", closed)
            if deliver:
                outcome.results = self._deliver()
            return outcome
        finally:
            self._lock.release()

    def deliver(self) -> list[DeliveryResult]:
        """Send every notification that is planned and not sent yet (e.g. left by a crash)."""
        with self._lock:
            return self._deliver()

    def _run(
        self, rules: list[Rule], ctx: EvalContext, silences: list[Silence], outcome: Outcome, seen: set[str]
    ) -> None:
        known = kinds()
        for rule in rules:
            try:
                conditions: list[Condition] = list(known[rule.kind].evaluate(rule, ctx))
                for cond in conditions:
                    seen.add(cond.labels.fingerprint)
                    if isinstance(cond, BatchCondition):
                        self._apply_batch(rule, cond, ctx, silences, outcome)
                    else:
                        self._apply_state(rule, cond, ctx, silences, outcome)
            except Exception as exc:  # one broken rule must not stop the others (or the daemon)
                log.exception("alert rule %s (%s) failed", rule.name, rule.path)
                outcome.errors.append(f"{rule.name}: {type(exc).__name__}: {exc}")

    def _inhibited(self) -> frozenset[str]:
        return frozenset(
            row["source_name"]
            for row in self.alerts.firing()
            if (row["labels"] or {}).get("kind") == "connector_down" and row["source_name"]
        )

    def _muted(self, rule: Rule, labels: Labels, ctx: EvalContext, silences: list[Silence]) -> str | None:
        for s in silences:
            if s.matches(labels):
                return f"silence #{s.id}"
        if kinds()[rule.kind].family in MUTED_BY_CONNECTOR_DOWN and labels.brand:
            for name in sorted(ctx.inhibited):
                src = self.settings.sources.get(name)
                if src is not None and labels.brand in src.brands:
                    return f"connector_down {name}"
        return None

    def _apply_state(
        self, rule: Rule, cond: StateCondition, ctx: EvalContext, silences: list[Silence], outcome: Outcome
    ) -> None:
        labels, now = cond.labels, ctx.now
        fp = labels.fingerprint
        if not cond.firing and cond.state is None and fp not in ctx.cache.get(FIRING, {fp}):
            return  # fine, and nothing was firing: no transaction needed (the usual case)
        with self.store.atomic() as conn:
            stored = self.alerts.lock_state(conn, STATE_PREFIX + fp, now) or {}
            firing = cond.firing
            judged = (cond.state or {}).get("judged")
            if (
                firing is not None
                and judged is not None
                and stored.get("judged")
                and judged <= stored["judged"]
            ):
                firing = None  # another evaluation judged this bucket meanwhile
            alert = self.alerts.open_alert(conn, fp)
            if firing and alert is None:
                self.alerts.insert_alert(
                    conn,
                    labels,
                    state="firing",
                    started_at=cond.started_at,
                    details={"fired": cond.details, "latest": cond.details},
                )
                alert = self.alerts.open_alert(conn, fp)
                outcome.fired.append(labels)
                log.warning("alert firing: %s %s", labels.describe(), _summary(cond.details))
            elif firing and alert is not None:
                self.alerts.update_alert(
                    conn, alert["id"], details={**(alert["details"] or {}), "latest": cond.details}
                )
            elif firing is False and alert is not None:
                told = sorted(
                    {e["target"] for e in self.alerts.events(conn, alert["id"]) if e["event"] == "firing"}
                )
                self.alerts.update_alert(
                    conn,
                    alert["id"],
                    state="resolved",
                    resolved_at=cond.at,
                    details={**(alert["details"] or {}), "latest": cond.details},
                )
                outcome.planned += self.alerts.plan(conn, alert["id"], "resolved", told, now)
                outcome.resolved.append(labels)
                log.info("alert resolved: %s %s", labels.describe(), _summary(cond.details))
                alert = None
            if firing is not None and cond.state is not None:
                self.alerts.put_state(conn, STATE_PREFIX + fp, {**stored, **cond.state}, now)
            if alert is not None:
                reason = self._muted(rule, labels, ctx, silences)
                if reason:
                    outcome.muted.append((labels, reason))
                else:
                    outcome.planned += self._remind(conn, alert, rule, now)

    def _remind(self, conn: sa.Connection, alert: Any, rule: Rule, now: datetime) -> int:
        """Plan the firing notification if none was planned yet, else a reminder when one is due."""
        if not rule.targets:
            return 0
        events = {e["event"] for e in self.alerts.events(conn, alert["id"])}
        if "firing" not in events:
            event = "firing"
        elif alert["last_notified_at"] is None or now >= alert["last_notified_at"] + rule.repeat_interval:
            event = f"repeat-{1 + sum(1 for e in events if e.startswith('repeat-'))}"
        else:
            return 0
        planned = self.alerts.plan(conn, alert["id"], event, rule.targets, now)
        self.alerts.update_alert(conn, alert["id"], last_notified_at=now)
        return planned

    def _apply_batch(
        self, rule: Rule, cond: BatchCondition, ctx: EvalContext, silences: list[Silence], outcome: Outcome
    ) -> None:
        now = ctx.now
        with self.store.atomic() as conn:
            stored = self.alerts.lock_state(conn, STATE_PREFIX + cond.labels.fingerprint, now) or {}
            read = (ctx.state(cond.labels.fingerprint) or {}).get("last_id")
            if stored.get("last_id") != read:
                return  # another evaluation took this batch meanwhile
            if cond.count:
                reason = self._muted(rule, cond.labels, ctx, silences)
                details = {**cond.details, "muted": reason}
                alert_id = self.alerts.insert_alert(
                    conn, cond.labels, state="resolved", started_at=now, resolved_at=now, details=details
                )
                outcome.batches.append(cond.labels)
                if reason:
                    outcome.muted.append((cond.labels, reason))
                elif rule.targets:
                    outcome.planned += self.alerts.plan(conn, alert_id, "batch", rule.targets, now)
                    self.alerts.update_alert(conn, alert_id, last_notified_at=now)
                log.info(
                    "alert batch: %s: %d %s", cond.labels.describe(), cond.count, cond.details.get("what")
                )
            self.alerts.put_state(conn, STATE_PREFIX + cond.labels.fingerprint, cond.state, now)

    # -- delivery ---------------------------------------------------------------------------------

    def _deliver(self) -> list[DeliveryResult]:
        rows = self.alerts.deliverable(self.config.max_attempts)
        by_target: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            by_target[row["target"]].append(row)
        if not by_target:
            return []
        # One thread per target: a target that is down and backing off does not hold up the others.
        with ThreadPoolExecutor(len(by_target), thread_name_prefix="alert-send") as pool:
            futures = [pool.submit(self._deliver_target, name, batch) for name, batch in by_target.items()]
            return [result for f in futures for result in f.result()]

    def _deliver_target(self, name: str, rows: list[Any]) -> list[DeliveryResult]:
        target = self.config.targets.get(name)
        limit = self.config.max_attempts
        out: list[DeliveryResult] = []
        for row in rows:
            if self.stop is not None and self.stop.is_set():
                break  # shutting down: the rest stay pending for the next start
            if target is None:
                self.alerts.finish(
                    row["id"],
                    attempts=limit,
                    ok=False,
                    error="target no longer configured",
                    now=self.clock.now(),
                )
                continue
            budget = min(self.config.retries, limit - row["attempts"])
            if not self.alerts.claim(row["id"], row["attempts"], budget):
                continue  # another sender has it
            try:
                alert = self.alerts.alert(row["alert_id"])
                if alert is None:
                    raise LookupError(f"no alert {row['alert_id']}")
                notice = notice_for(alert, row["event"], self.settings, self.alerts)
            except Exception as exc:
                log.exception("alert %s: cannot build the %s message", row["alert_id"], row["event"])
                self.alerts.finish(
                    row["id"],
                    attempts=row["attempts"] + 1,
                    ok=False,
                    error=f"message: {exc}",
                    now=self.clock.now(),
                )
                break
            result = self.sender.send(target, notice, attempts=budget)
            attempts = limit if result.permanent else row["attempts"] + result.attempts
            self.alerts.finish(
                row["id"], attempts=attempts, ok=result.ok, error=result.error, now=self.clock.now()
            )
            out.append(result)
            if result.ok:
                log.info("alert %s: %s sent to %s", row["alert_id"], row["event"], name)
            else:
                log.error(
                    "alert %s: %s not sent to %s: %s", row["alert_id"], row["event"], name, result.error
                )
                break  # keep this target's order: its later notifications wait for the next round
        return out


def _summary(details: Mapping[str, Any]) -> str:
    if "observed" in details and "expected" in details:
        observed, expected = details["observed"], details["expected"]
        return f"(observed {observed:.4g}, expected {expected:.4g}, {details.get('statistic')})"
    if "consecutive_failures" in details:
        return f"({details['consecutive_failures']} consecutive failures)"
    return ""
