"""The daemon's index jobs: once after its first poll cycle and then daily it imports the survey and
customer files named in settings.toml (idempotent), then recomputes the last `index.trend_periods`
complete periods of every brand, so late survey data corrects the recent history.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from rich.console import Console
from rich.text import Text

from connectors.errors import MonitorError
from monitor.clock import Clock, SystemClock
from monitor.config import Settings
from monitor.index.calculator import PeriodIndex, recompute
from monitor.index.customers import import_customers, import_settings_periods
from monitor.index.surveys import import_surveys
from monitor.storage.store import Store

log = logging.getLogger(__name__)


def import_configured(settings: Settings, store: Store, clock: Clock) -> list[str]:
    """Import the survey and customer files (and inline periods) settings.toml names; idempotent, so
    the daemon simply does it at start and daily. A missing or broken file is logged, not fatal."""
    lines: list[str] = []
    jobs: list[tuple[str, Callable[[], Any]]] = [
        (
            f"surveys {f.metric} {f.path.name} ({f.brand})",
            partial(
                import_surveys,
                f.path,
                settings,
                store,
                metric=f.metric,
                brand=f.brand,
                columns=f.columns,
                clock=clock,
            ),
        )
        for f in settings.surveys.files
    ]
    jobs += [
        (
            f"customers {f.path.name} ({f.brand})",
            partial(import_customers, f.path, settings, store, brand=f.brand, clock=clock),
        )
        for f in settings.customers.files
    ]
    if settings.customers.periods:
        jobs.append(("customers from settings.toml", lambda: import_settings_periods(settings, store, clock)))
    for name, job in jobs:
        try:
            lines.append(f"{name}: {job().line()}")
        except MonitorError as exc:
            log.error("%s: %s", name, exc)
            lines.append(f"{name}: FAILED: {exc}")
    return lines


def refresh(settings: Settings, store: Store, clock: Clock | None = None) -> dict[str, list[PeriodIndex]]:
    """The daemon's index job: import configured files, then recompute and store recent periods."""
    clock = clock or SystemClock()
    for line in import_configured(settings, store, clock):
        log.info("%s", line)
    return recompute(settings, store, clock.now())


def summary_lines(results: dict[str, list[PeriodIndex]]) -> list[str]:
    """One line per brand for the daemon's first-cycle summary."""
    lines = []
    for brand, items in results.items():
        if not items:
            continue
        cur = items[-1]
        r = cur.result
        if r.value is None or r.low is None or r.high is None:
            lines.append(f"  index {brand} {cur.period.label}: no data")
            continue
        change = f", {cur.change:+.1f} since {cur.period.previous().label}" if cur.change is not None else ""
        lines.append(
            f"  index {brand} {cur.period.label}: {r.value:.1f} (95% {r.low:.1f}-{r.high:.1f}; "
            f"{', '.join(r.components)}){change}"
        )
    return lines


def first_cycle_index(settings: Settings, store: Store, clock: Clock, console: Console) -> None:
    """After the daemon's first poll cycle: import the configured survey files, store the index and
    print it, so a fresh `make run` shows one. Never stops the daemon."""
    try:
        results = refresh(settings, store, clock)
    except Exception:  # the index is a report; a failure here must not keep polling from starting
        log.exception("satisfaction index: first computation failed")
        return
    console.print(Text("satisfaction index (last complete period):"))
    for line in summary_lines(results):
        console.print(Text(line))


def daily_job(settings: Settings, store: Store, clock: Clock) -> None:
    try:
        results = refresh(settings, store, clock)
    except Exception:  # log, and try again tomorrow
        log.exception("satisfaction index: daily recompute failed")
        return
    for line in summary_lines(results):
        log.info("%s", line.strip())


def add_daily_job(scheduler: Any, settings: Settings, store: Store, clock: Clock) -> None:
    """The daemon's daily recompute, at `[index] daily_at` local time (APScheduler cron trigger)."""
    from apscheduler.triggers.cron import CronTrigger

    hour, minute = (int(x) for x in settings.index.daily_at.split(":"))
    scheduler.add_job(
        daily_job,
        CronTrigger(hour=hour, minute=minute, timezone=settings.timezone),
        args=(settings, store, clock),
        id="index:daily",
        name="satisfaction index snapshot",
        misfire_grace_time=6 * 3600,  # a machine that slept through the hour still recomputes
        coalesce=True,
        max_instances=1,
    )
