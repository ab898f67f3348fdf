"""Polling: fetch -> the steps (match brand query, dedupe, skip stored, score) -> store.

`Ingestor` stores a page of mentions through monitor/mentions/steps.py, the steps `monitor import`
runs on its chunks too; `Poller` runs one poll job (a source for a brand) and keeps connector health.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from analysis.sentiment.lexicon import LexiconOverrides
from analysis.sentiment.stage import SentimentStage
from connectors import registry
from connectors.errors import MonitorError, RateLimited
from connectors.query import Query
from connectors.types import BrandQuery, Connector, Mention
from monitor.clock import Clock, SystemClock
from monitor.config import Settings, Source
from monitor.mentions.rows import MentionRow, unscored_row
from monitor.mentions.scoring_pool import BatchScorer, stage_for_lexicon
from monitor.mentions.steps import BrandRule, Candidate, prepare
from monitor.storage.mention_rows import MentionBatch
from monitor.storage.store import CursorUpdate, Store, StoreResult

log = logging.getLogger(__name__)
_LONG_AGO = datetime.min.replace(tzinfo=UTC)


@dataclass
class BatchResult:
    stored: int = 0
    duplicates: int = 0
    unmatched: int = 0

    def add(self, other: BatchResult) -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.unmatched += other.unmatched


class Ingestor:
    """Match, dedupe, score and store one batch of mentions (with its cursor, atomically)."""

    def __init__(
        self,
        store: Store,
        sentiment: SentimentStage | None = None,
        clock: Clock | None = None,
        scorer: BatchScorer | None = None,
        lexicons: Mapping[str, LexiconOverrides] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        if scorer is None:
            # In-process; `monitor import` passes one with a process pool.
            scorer = BatchScorer(
                stage_for_lexicon if sentiment is None else (lambda _lex: sentiment), workers=1
            )
        self.scorer = scorer
        self.lexicons = dict(lexicons or {})  # brand -> its lexicon overrides
        # brand -> the oldest mention stored since the last take_earliest(): what tells whether the
        # alert rules must look back over history (monitor/alerting/history.py).
        self._earliest: dict[str, datetime] = {}
        self._earliest_lock = threading.Lock()

    def insert(
        self, rows: Sequence[MentionRow] | MentionBatch, cursor: CursorUpdate | None = None, *, now: datetime
    ) -> StoreResult:
        """Store prepared rows (and move `cursor`) in one transaction; the one write of polling and
        import alike."""
        result = self.store.insert_mentions(rows, cursor, now=now)
        times: Iterable[tuple[str, datetime]]
        if isinstance(rows, MentionBatch):
            # An import's packed batch: a backfill, history by definition, whatever its times.
            times = ((brand, _LONG_AGO) for brand in rows.brands())
        else:
            times = ((r.brand, r.created_at) for r in rows)
        with self._earliest_lock:
            earliest = self._earliest
            for brand, t in times:
                if brand not in earliest or t < earliest[brand]:
                    earliest[brand] = t
        return result

    def take_earliest(self) -> dict[str, datetime]:
        """Per brand, the oldest mention stored since the last call (and forget them)."""
        with self._earliest_lock:
            taken, self._earliest = self._earliest, {}
        return taken

    def ingest(
        self, mentions: Sequence[Mention], *, query: Query | None = None, cursor: CursorUpdate | None = None
    ) -> BatchResult:
        """Store a page of mentions and move `cursor`, atomically. A mention is checked against
        `query` (its brand's) unless its source assigned the brand."""
        now = self.clock.now()
        candidates: list[Candidate] = []
        for m in mentions:
            rules = () if query is None or m.brand_assigned else (BrandRule(m.brand, query),)
            candidates.append((unscored_row(m, now), rules))
        prepared = prepare(
            candidates,
            existing=self.store.existing_native_ids,
            scorer_for=self.scorer.stages.scorer_for,
            lexicons=self.lexicons,
        )
        stored = self.insert(prepared.rows, cursor, now=now)
        return BatchResult(
            stored=stored.inserted,
            duplicates=prepared.duplicates + stored.duplicates,  # stored.: a concurrent writer was first
            unmatched=prepared.unmatched,
        )


@dataclass
class PollOutcome:
    source_name: str
    brand: str
    pages: int = 0
    fetched: int = 0
    rejected: int = 0
    result: BatchResult = field(default_factory=BatchResult)
    error: str | None = None
    deferred_until: datetime | None = None
    skipped_until: datetime | None = None  # not polled: rate limited, circuit open or budget spent
    skip_reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Poller:
    """Runs poll jobs. Thread-safe: the daemon calls `poll` from several worker threads."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        clock: Clock | None = None,
        sentiment: SentimentStage | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock or SystemClock()
        self.ingestor = Ingestor(
            store, sentiment, self.clock, lexicons={b.name: b.lexicon for b in settings.brands.values()}
        )
        self.stop = stop or threading.Event()
        self._connectors: dict[str, Connector] = {}
        self._lock = threading.Lock()

    def connector(self, source: Source) -> Connector:
        with self._lock:
            if source.name not in self._connectors:
                module = registry.connector_module(source.type)
                self._connectors[source.name] = module.build(source.spec)
            return self._connectors[source.name]

    def jobs(self, brand: str | None = None, source: str | None = None) -> list[tuple[Source, str]]:
        """(source, brand) pairs to poll; unknown names raise ConfigError."""
        if brand is not None:
            self.settings.brand(brand)
        sources = [self.settings.source(source)] if source else list(self.settings.sources.values())
        return [(s, b) for s in sources if s.settings.enabled for b in s.brands if brand in (None, b)]

    def poll(self, source: Source, brand: str) -> PollOutcome:
        """One poll job. Never raises for a source's failure: it is recorded in connector health."""
        outcome = PollOutcome(source.name, brand)
        b = self.settings.brand(brand)
        query = None if source.scoped else b.query
        blocked = self.blocked_until(source)
        if blocked is not None:
            outcome.skipped_until, outcome.skip_reason = blocked
            log.info("%s/%s: not polled until %s (%s)", source.name, brand, *blocked)
            return outcome
        try:
            connector = self.connector(source)
            cursor = self.store.get_cursor(source.name, brand)
            for page in connector.fetch(BrandQuery(brand, b.query), cursor):
                outcome.pages += 1
                outcome.fetched += len(page.mentions)
                outcome.rejected += page.rejected
                if page.reads:
                    self.store.add_reads(source.name, page.reads, now=self.clock.now())
                batch = self.ingestor.ingest(
                    page.mentions, query=query, cursor=CursorUpdate(source.name, brand, page.cursor)
                )
                outcome.result.add(batch)
                if self.stop.is_set():  # shutting down: this page is committed, stop here
                    break
        except RateLimited as exc:
            # Not a failure: the source asked us to come back later; the cursor is where we left it.
            wait = (
                exc.retry_after if exc.retry_after is not None else source.settings.interval.total_seconds()
            )
            outcome.deferred_until = self.clock.now() + timedelta(seconds=wait)
            log.warning("%s/%s: rate limited, deferred until %s", source.name, brand, outcome.deferred_until)
        except MonitorError as exc:  # a source failure, or a missing credential naming its variable
            outcome.error = str(exc)
            log.error("%s/%s: %s", source.name, brand, exc)
        except Exception as exc:  # a bug in a connector must not take the daemon down
            outcome.error = f"internal error: {type(exc).__name__}: {exc}"
            log.exception("%s/%s: unexpected error while polling", source.name, brand)
        self.store.record_poll(
            source.name,
            source.type,
            now=self.clock.now(),
            error=outcome.error,
            stored=outcome.result.stored,
            deferred_until=outcome.deferred_until,
            circuit=lambda failures: self._circuit_until(source, failures),
        )
        return outcome

    def blocked_until(self, source: Source) -> tuple[datetime, str] | None:
        """Why and until when a source must not be polled now, if it must not."""
        now = self.clock.now()
        health = self.store.health_of(source.name)
        reasons: list[tuple[datetime, str]] = []
        if health is not None:
            if health["deferred_until"] and health["deferred_until"] > now:
                reasons.append((health["deferred_until"], "rate limited"))
            if health["circuit_open_until"] and health["circuit_open_until"] > now:
                failures = health["consecutive_failures"]
                reasons.append((health["circuit_open_until"], f"circuit open after {failures} failures"))
        budget = getattr(source.spec.options, "monthly_read_budget", None)
        if budget is not None and self.store.reads_in_month(source.name, now) >= budget:
            month_end = (now.replace(day=28) + timedelta(days=4)).replace(
                day=1, hour=0, minute=0, second=0, microsecond=0
            )
            reasons.append((month_end, f"monthly read budget of {budget:,} spent"))
        return max(reasons) if reasons else None

    def _circuit_until(self, source: Source, failures: int) -> datetime | None:
        """After `circuit_after` failures in a row, pause the source, doubling up to circuit_max."""
        extra = failures - source.settings.circuit_after
        if extra < 0:
            return None
        pause = min(source.settings.interval * (2 ** min(extra, 20)), source.settings.circuit_max)
        return self.clock.now() + pause

    def poll_all(self, brand: str | None = None, source: str | None = None) -> list[PollOutcome]:
        outcomes = []
        for s, b in self.jobs(brand, source):
            if self.stop.is_set():
                break
            outcomes.append(self.poll(s, b))
        return outcomes
