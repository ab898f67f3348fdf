"""The daemon's weekly report job.

At `[report] day` and `time` in the configured zone (an APScheduler CronTrigger in that zone, so
"Monday 08:00" stays 08:00 across daylight-saving changes) it writes the last complete week's report,
records the week in `report_runs`, prunes the output folder to the last `keep` weeks, and sends the
report through the alerting targets named in `deliver`.

`report_runs.week` is unique, so a week is written and sent once: a restart, a second daemon on the
same PostgreSQL database or a catch-up run finds the row and does neither again. Delivery is claimed
by setting `delivered_at` before sending (reset when sending fails, so the next run retries): two
daemons never both send, and a crash between the claim and the send loses that one delivery rather
than repeating it. When the daemon was down at the scheduled time, it writes the missed week's
report as soon as it starts.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.dialects import postgresql, sqlite

from connectors.errors import MonitorError
from monitor.clock import Clock
from monitor.config import Settings
from monitor.config.report import output_dir
from monitor.report.week import IsoWeek
from monitor.report.write import Written, prune, write_report
from monitor.storage import schema
from monitor.storage.store import Store

log = logging.getLogger(__name__)

JOB_ID = "report:weekly"


@dataclass
class RunOutcome:
    week: IsoWeek
    written: bool = False  # False: the week had been written before (report_runs has it)
    files: list[Path] = field(default_factory=list)
    pruned: list[Path] = field(default_factory=list)
    delivered: bool = False
    delivery_error: str | None = None


class WeeklyReportJob:
    """The job the scheduler calls; `clock` decides which week is "the last complete one"."""

    def __init__(self, settings: Settings, store: Store, clock: Clock) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()  # a catch-up run and the cron run never overlap

    @property
    def trigger(self) -> CronTrigger:
        cfg = self.settings.report
        return CronTrigger(
            day_of_week=cfg.day, hour=cfg.hour, minute=cfg.minute, timezone=self.settings.timezone
        )

    def __call__(self) -> RunOutcome:
        now = self.clock.now()
        return self.run_week(IsoWeek.last_complete(now, self.settings.timezone), now)

    def due_week(self, now: datetime) -> IsoWeek | None:
        """The week of the newest scheduled run at or before `now` if it was not written (or not
        sent): what a daemon that was down at that time still owes. None on a first start (no
        report written yet), so a new install does not produce a report the moment it starts."""
        trigger = self.trigger
        fire = trigger.get_next_fire_time(None, now - timedelta(days=8))
        last = None
        while fire is not None and fire <= now:
            last = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        if last is None or not self._has_runs():
            return None  # a first start writes its first report at the next scheduled time
        week = IsoWeek.last_complete(last, self.settings.timezone)
        row = self._run_row(week)
        if row is None:
            return week
        if self.settings.report.deliver and row["delivered_at"] is None:
            return week  # written but not sent (sending failed, or the daemon stopped in between)
        return None

    # -- one week -------------------------------------------------------------------------------

    def run_week(self, week: IsoWeek, now: datetime) -> RunOutcome:
        with self._lock:
            return self._run_week(week, now)

    def _run_week(self, week: IsoWeek, now: datetime) -> RunOutcome:
        outcome = RunOutcome(week)
        cfg = self.settings.report
        out_dir = output_dir(cfg, self.settings.path)
        row = self._run_row(week)
        written: Written | None = None
        if row is None:
            written = write_report(
                self.settings, self.store, week, formats=cfg.formats, output=out_dir, now=now
            )
            if self._record(week, written.files, now):
                outcome.written = True
                outcome.files = written.files
                outcome.pruned = prune(out_dir, cfg.keep)
                log.info("weekly report %s written: %s", week, ", ".join(str(p) for p in written.files))
            else:  # another daemon recorded it between our check and our insert; it delivers
                log.info("weekly report %s was recorded by another daemon meanwhile", week)
                return outcome
            row = self._run_row(week)
        else:
            outcome.files = [Path(p) for p in row["files"]]
            log.info("weekly report %s was written before (%s); not rewritten", week, row["created_at"])
        if cfg.deliver and row is not None and row["delivered_at"] is None:
            self._deliver(outcome, written, now)
        return outcome

    def _has_runs(self) -> bool:
        r = schema.report_runs
        with self.store.atomic(write=False) as conn:
            return conn.execute(sa.select(r.c.id).limit(1)).first() is not None

    def _run_row(self, week: IsoWeek) -> sa.RowMapping | None:
        r = schema.report_runs
        with self.store.atomic(write=False) as conn:
            return conn.execute(sa.select(r).where(r.c.week == str(week))).mappings().first()

    def _record(self, week: IsoWeek, files: list[Path], now: datetime) -> bool:
        """Insert the week's row; False when it is there already (unique week)."""
        r = schema.report_runs
        insert = postgresql.insert if self.store.dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(r)
            .values(week=str(week), created_at=now, files=[str(p) for p in files])
            .on_conflict_do_nothing(index_elements=["week"])
            .returning(r.c.id)  # not rowcount: psycopg reports -1 for ON CONFLICT DO NOTHING
        )
        with self.store.atomic() as conn:
            return conn.execute(stmt).first() is not None

    def _claim_delivery(self, week: IsoWeek, now: datetime | None) -> bool:
        """Set (or, with now=None, clear) delivered_at; True when this call changed it."""
        r = schema.report_runs
        cond = r.c.delivered_at.is_(None) if now is not None else r.c.delivered_at.is_not(None)
        stmt = sa.update(r).where(r.c.week == str(week), cond).values(delivered_at=now).returning(r.c.id)
        with self.store.atomic() as conn:
            return conn.execute(stmt).first() is not None

    def _deliver(self, outcome: RunOutcome, written: Written | None, now: datetime) -> None:
        from monitor.alerting.delivery import send_to_targets

        if not self._claim_delivery(outcome.week, now):
            return  # another daemon has it
        subject, text = delivery_text(self.settings, outcome.week, outcome.files, written)
        html = written.html if written is not None else _read_html(outcome.files)
        html_files = [p for p in outcome.files if p.suffix == ".html" and p.exists()]
        emails = [t for t in self.settings.report.deliver if _is_email(self.settings, t)]
        others = [t for t in self.settings.report.deliver if t not in emails]
        results = []
        try:
            # E-mail gets the HTML report as its body and as an attachment (mail clients that drop
            # data: images still have the file); chat gets the short text with the file paths.
            for targets, attachments in ((emails, html_files), (others, [])):
                if targets:
                    results += send_to_targets(
                        self.settings,
                        subject,
                        text,
                        html=html,
                        attachments=attachments,
                        targets=targets,
                        now=now,
                        data=delivery_data(outcome.week, outcome.files, written),
                    )
        except Exception as exc:  # e.g. an unknown target name: release the claim for a later run
            self._claim_delivery(outcome.week, None)
            outcome.delivery_error = str(exc) or type(exc).__name__
            log.warning("weekly report %s not sent: %s", outcome.week, outcome.delivery_error)
            return
        failed = [r for r in results if not r.ok]
        if failed:
            outcome.delivery_error = "; ".join(f"{r.target}: {r.error}" for r in failed)
            log.warning("weekly report %s not sent to %s", outcome.week, outcome.delivery_error)
        if len(failed) == len(results) and results:
            # Nobody got it: a later run (the daemon's next start) tries again. When some targets
            # got it, it counts as delivered: sending again would repeat it for them.
            self._claim_delivery(outcome.week, None)
            return
        outcome.delivered = True
        log.info("weekly report %s sent to %s", outcome.week, ", ".join(r.target for r in results if r.ok))


def _is_email(settings: Settings, name: str) -> bool:
    """Whether an alert target is an e-mail one (its kind, or its URL's scheme when no kind is set)."""
    target = settings.alerts.targets.get(name)
    if target is None:
        return False
    try:
        return target.resolved_kind(target.url()) == "email"
    except MonitorError:
        return False  # send_to_targets reports the problem, naming the target


def _read_html(files: list[Path]) -> str | None:
    for p in files:
        if p.suffix == ".html" and p.exists():
            return p.read_text(encoding="utf-8")
    return None


def delivery_text(
    settings: Settings, week: IsoWeek, files: list[Path], written: Written | None
) -> tuple[str, str]:
    """A subject and a short plain text for chat targets: numbers we computed and the file paths,
    never mention text (a chat message is no place for a stranger's words)."""
    subject = f"Weekly brand report {week}"
    lines = [f"{subject} ({week.monday:%d %b} – {week.days[-1]:%d %b %Y}, {settings.timezone.key})"]
    if written is not None:
        data = written.data
        for b in data.sections:
            w = data.summary.brands[b]
            if w.volume == 0:
                lines.append(f"{data.display_names[b]}: no mentions this week")
                continue
            change = f"{w.change_pct:+.0f} %" if w.change_pct is not None else "new"
            net = f"{w.mix.net_sentiment:+.0f}" if w.mix.net_sentiment is not None else "n/a"
            lines.append(
                f"{data.display_names[b]}: {w.volume:,} mentions ({change} on {week.previous()}), "
                f"{w.mix.share('negative') or 0:.0f} % negative, net sentiment {net}"
            )
    lines += [f"Report: {p}" for p in files]
    return subject, "\n".join(lines)


def delivery_data(week: IsoWeek, files: list[Path], written: Written | None) -> dict[str, Any]:
    """The numbers of the short text, for JSON targets."""
    data: dict[str, Any] = {"week": str(week), "files": [str(p) for p in files]}
    if written is not None:
        summary = written.data.summary
        data["brands"] = {
            b: {
                "mentions": summary.brands[b].volume,
                "previous_mentions": summary.brands[b].previous_volume,
                "negative_share": summary.brands[b].mix.share("negative"),
                "net_sentiment": summary.brands[b].mix.net_sentiment,
                "share_of_voice": summary.brands[b].share_of_voice,
            }
            for b in written.data.sections
        }
    return data


def add_report_job(scheduler: BaseScheduler, settings: Settings, store: Store, clock: Clock) -> Any:
    """Schedule the weekly job (and, when a scheduled run was missed, one run right away)."""
    if not settings.report.enabled:
        return None
    job = WeeklyReportJob(settings, store, clock)
    scheduled = scheduler.add_job(
        _logged(job),
        job.trigger,
        id=JOB_ID,
        name="weekly report",
        misfire_grace_time=None,  # a suspended machine still writes the report when it wakes
        coalesce=True,
        max_instances=1,
    )
    due = job.due_week(clock.now())
    if due is not None:
        log.info("weekly report %s was due while the daemon was down: writing it now", due)
        scheduler.add_job(_logged(job, due), id=f"{JOB_ID}:catch-up", name="weekly report (missed run)")
    return scheduled


def _logged(job: WeeklyReportJob, week: IsoWeek | None = None) -> Any:
    """The job as the scheduler runs it: errors are logged, never raised into APScheduler."""

    def run() -> None:
        try:
            job() if week is None else job.run_week(week, job.clock.now())
        except MonitorError as exc:
            log.error("weekly report failed: %s", exc)
        except Exception:
            log.exception("weekly report failed")

    return run
