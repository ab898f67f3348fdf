"""The daemon's alerting: evaluate after every poll (that brand's rules, that source's health)
and on a timer (everything: connector_down's "no success for", batches falling due, reminders,
notifications a failed or interrupted round left pending).

An evaluation after a poll does not wait for one in progress: the timer catches up within
`evaluate_every`. Nothing here can stop the daemon: errors are logged.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from rich.console import Console
from rich.text import Text

from monitor.alerting.engine import AlertEngine
from monitor.clock import Clock
from monitor.config import Settings
from monitor.config.durations import format_duration
from monitor.storage.store import Store

log = logging.getLogger(__name__)


class AlertJobs:
    def __init__(self, settings: Settings, store: Store, *, clock: Clock, stop: threading.Event) -> None:
        self.settings = settings
        # Backoff between delivery attempts waits on the stop event, so SIGTERM is not delayed by it.
        self.engine = AlertEngine(settings, store, clock=clock, sleep=stop.wait, stop=stop)
        self.stop = stop

    def describe(self) -> str:
        config = self.settings.alerts
        rules = f"{len(config.rules)} rule{'s' if len(config.rules) != 1 else ''}"
        if config.default_rules:
            rules += " (the defaults)"
        if not config.targets:
            return f"alerts: {rules}, no targets: alerts are recorded (monitor alerts), not sent"
        return f"alerts: {rules}, targets {', '.join(config.targets)}"

    def schedule(self, scheduler: BaseScheduler, console: Console | None = None) -> None:
        every = self.settings.alerts.evaluate_every
        if console is not None:
            console.print(
                Text(f"{self.describe()}; evaluated after each poll and every {format_duration(every)}")
            )
        scheduler.add_job(
            self.on_timer,
            IntervalTrigger(seconds=every.total_seconds(), timezone=self.settings.timezone),
            id="alerts",
            name="evaluate alert rules",
            next_run_time=datetime.now(self.settings.timezone),  # once right away, after the first cycle
            misfire_grace_time=max(1, int(every.total_seconds() / 2)),
            coalesce=True,
            max_instances=1,
        )

    def on_timer(self) -> None:
        if self.stop.is_set():
            return
        try:
            self.engine.evaluate()
        except Exception:  # e.g. the database is unreachable; the next run tries again
            log.exception("alert evaluation failed")

    def after_poll(self, source: str, brand: str) -> None:
        if self.stop.is_set():
            return
        try:
            self.engine.evaluate(brands=[brand], sources=[source], wait=False)
        except Exception:
            log.exception("alert evaluation after polling %s/%s failed", source, brand)
