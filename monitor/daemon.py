"""`monitor run`: the daemon, in the foreground.

One poll cycle right at start (so a fresh install shows data at once), then every (source,
brand) job on its own interval under APScheduler 3. SIGTERM/SIGINT let the running jobs finish
the page they are on (its transaction commits) and exit 0; a second signal kills at once.
"""

from __future__ import annotations

import concurrent.futures
import logging
import signal
import threading
from collections import Counter
from collections.abc import Callable
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from rich.console import Console
from rich.text import Text

from monitor.clock import Clock, SystemClock
from monitor.config import Settings, Source
from monitor.config.durations import format_duration
from monitor.index.jobs import add_daily_job, first_cycle_index
from monitor.mentions.langid_cache import install as install_langid_cache
from monitor.mentions.pipeline import Poller, PollOutcome
from monitor.status import mix_line, sentiment_mix
from monitor.storage.lock import DaemonLock
from monitor.storage.store import Store

log = logging.getLogger(__name__)
# What signal.signal returns and accepts.
_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class Daemon:
    def __init__(
        self, settings: Settings, store: Store, *, clock: Clock | None = None, console: Console | None = None
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock or SystemClock()
        self.console = console or Console(highlight=False, markup=False, soft_wrap=True)
        self.stop = threading.Event()
        self.poller = Poller(settings, store, clock=self.clock, stop=self.stop)
        self.scheduler: BackgroundScheduler | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def run(self) -> int:
        install_langid_cache()  # also when the daemon runs without the CLI (tests, embedding)
        lock = DaemonLock(self.store.sqlite_file) if self.store.sqlite_file else None
        if lock:
            lock.acquire()  # raises StorageError with the other daemon's pid
        previous = self._install_signal_handlers()
        try:
            self._announce()
            outcomes = self._first_cycle()
            if not self.stop.is_set():
                self._summarise(outcomes)
                self._start_scheduler()
                while not self.stop.wait(0.5):
                    pass
            self.console.print(Text("stopping: finishing the current page of each running poll"))
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=True)
            self.console.print(Text("stopped cleanly"))
            return 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if lock:
                lock.release()

    def _install_signal_handlers(self) -> dict[int, _Handler]:
        previous: dict[int, _Handler] = {}

        def handle(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s, shutting down", signal.Signals(signum).name)
            self.stop.set()
            # A second signal means "now": fall back to the default action.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)

        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, handle)
        return previous

    # -- what it does -------------------------------------------------------------------------

    def _announce(self) -> None:
        s = self.settings
        self.console.print(Text(f"monitor daemon: settings {s.path}, database {self.store.describe()}"))
        for brand in s.brands.values():
            self.console.print(Text(f"  brand {brand.name}: {brand.query}"))
        for src in s.sources.values():
            state = "" if src.settings.enabled else " (disabled)"
            self.console.print(
                Text(
                    f"  source {src.name} ({src.type}, {src.settings.match}) every "
                    f"{format_duration(src.settings.interval)} for {', '.join(src.brands)}{state}"
                )
            )

    def _first_cycle(self) -> list[PollOutcome]:
        jobs = self.poller.jobs()
        with concurrent.futures.ThreadPoolExecutor(self.settings.daemon.workers, "first-cycle") as pool:
            futures = [pool.submit(self.poller.poll, s, b) for s, b in jobs]
            pending = set(futures)
            while pending:  # short waits keep the main thread free to take signals
                _, pending = concurrent.futures.wait(pending, timeout=0.5)
        return [f.result() for f in futures]

    def _summarise(self, outcomes: list[PollOutcome]) -> None:
        stored: Counter[str] = Counter()
        for o in outcomes:
            stored[o.brand] += o.result.stored
            if not o.ok:
                self.console.print(Text(f"  ! {o.source_name}/{o.brand} failed: {o.error}"))
        mix = sentiment_mix(self.store)
        self.console.print(Text("first poll cycle done:"))
        for brand in self.settings.brands:
            self.console.print(
                Text(f"  {brand}: {stored[brand]:,} new; total {mix_line(mix.get(brand, Counter()))}")
            )
        historical = self._record_history()
        if historical:
            self.console.print(
                Text(f"  {historical} historical alert(s) in the stored history (not sent): monitor alerts")
            )
        self.console.print(Text("polling on schedule; Ctrl-C or SIGTERM stops"))
        # The survey and customer files settings.toml names, then the index, stored and shown.
        first_cycle_index(self.settings, self.store, self.clock, self.console)

    def _start_scheduler(self) -> None:
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(self.settings.daemon.workers)},
            timezone=self.settings.timezone,
        )
        for src, brand in self.poller.jobs():
            self._add_poll_job(src, brand)
        from monitor.alerting.jobs import AlertJobs

        self.alerts = AlertJobs(self.settings, self.store, clock=self.clock, stop=self.stop)
        self.alerts.schedule(self.scheduler, self.console)
        add_daily_job(self.scheduler, self.settings, self.store, self.clock)
        from monitor.report.schedule import add_report_job

        add_report_job(self.scheduler, self.settings, self.store, self.clock)
        self.scheduler.start()

    def _add_poll_job(self, src: Source, brand: str) -> None:
        assert self.scheduler is not None
        interval = src.settings.interval.total_seconds()
        self.scheduler.add_job(
            self._poll_job,
            IntervalTrigger(
                seconds=interval,
                # Jitter spreads sources that share an interval so they do not hit the network
                # and the database in the same second.
                jitter=min(interval * 0.1, self.settings.daemon.jitter.total_seconds()),
                timezone=self.settings.timezone,
            ),
            args=(src, brand),
            id=f"poll:{src.name}:{brand}",
            name=f"poll {src.name} for {brand}",
            # A run more than half an interval late is dropped: the next one is near and the
            # cursor makes it catch up anyway.
            misfire_grace_time=max(1, int(interval / 2)),
            coalesce=True,  # runs missed while busy or suspended collapse into one
            max_instances=1,  # two polls of one cursor at once would fetch the same pages twice
        )

    def _poll_job(self, src: Source, brand: str) -> None:
        if self.stop.is_set():
            return
        try:
            outcome = self.poller.poll(src, brand)
        except Exception:  # e.g. the database is unreachable; log, and try again next interval
            log.exception("%s/%s: poll job failed", src.name, brand)
            return
        if outcome.ok and outcome.result.stored:
            log.info("%s/%s: stored %d new mentions", src.name, brand, outcome.result.stored)
        self._record_history()
        if getattr(self, "alerts", None) is not None:  # set with the scheduler, which runs this job
            self.alerts.after_poll(src.name, brand)

    def _record_history(self) -> int:
        """Mentions from the past that the live rules will never judge (a first poll, a source
        catching up) are backtested, and their incidents recorded as historical alerts."""
        from monitor.alerting.history import record_late_history

        earliest = self.poller.ingestor.take_earliest()
        try:
            return record_late_history(self.settings, self.store, earliest, clock=self.clock)
        except Exception:  # e.g. the database is unreachable: the next poll tries again
            log.exception("backtest of late mentions failed")
            return 0
