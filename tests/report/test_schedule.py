"""The daemon's weekly report job, driven by an injected clock: the cron trigger in the configured
zone, the week it writes, report_runs (a week is written and sent once), pruning, the catch-up
after downtime, delivery through the alerting targets, and the job's place in the daemon."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.clock import FixedClock
from monitor.config import Settings, load_settings
from monitor.daemon import Daemon
from monitor.report.schedule import JOB_ID, WeeklyReportJob, add_report_job
from monitor.storage import schema
from monitor.storage.store import Store
from tests.conftest import Env
from tests.report.test_data import mention
from tests.support.rows import insert_dicts

IST = ZoneInfo("Europe/Istanbul")
# Monday 2026-11-23 08:00 in Istanbul (UTC+3): the default schedule's run for week 47.
MONDAY_0800 = datetime(2026, 11, 23, 8, 0, tzinfo=IST)


def settings(env: Env, report: str = "", extra: str = "", tz: str | None = None) -> Settings:
    env.write(extra=f"{extra}\n[report]\n{report}\n")
    if tz:
        env.config.write_text(env.config.read_text().replace('"Europe/Istanbul"', f'"{tz}"'))
    return load_settings(env.config)


def runs(store: Store) -> list[sa.RowMapping]:
    r = schema.report_runs
    with store.atomic(write=False) as conn:
        return list(conn.execute(sa.select(r).order_by(r.c.week)).mappings())


def plant_week(store: Store) -> None:
    start = datetime(2026, 11, 15, 21, 0, tzinfo=UTC)  # W47 starts (Istanbul)
    insert_dicts(store,
        [mention(f"m{i}", "acme", start + timedelta(hours=5 * i), "negative" if i % 3 else "positive")
         for i in range(20)],
        now=start,
    )  # fmt: skip


def test_cron_trigger_fires_at_the_configured_local_time(env: Env, store: Store) -> None:
    job = WeeklyReportJob(settings(env), store, FixedClock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC)))
    trigger = job.trigger
    assert isinstance(trigger, CronTrigger) and str(trigger.timezone) == "Europe/Istanbul"
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # Sunday
    fire = trigger.get_next_fire_time(None, now)
    assert fire == MONDAY_0800 and fire.astimezone(UTC) == datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


def test_cron_trigger_keeps_local_time_across_a_dst_change(env: Env, store: Store) -> None:
    """Europe/Berlin leaves summer time on Sunday 2026-10-25: 09:30 local is 07:30Z before, 08:30Z after."""
    s = settings(env, 'day = "fri"\ntime = "9:30"', tz="Europe/Berlin")
    trigger = WeeklyReportJob(s, store, FixedClock(datetime(2026, 10, 1, tzinfo=UTC))).trigger
    first = trigger.get_next_fire_time(None, datetime(2026, 10, 20, tzinfo=UTC))
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    assert first.astimezone(UTC) == datetime(2026, 10, 23, 7, 30, tzinfo=UTC)
    assert second.astimezone(UTC) == datetime(2026, 10, 30, 8, 30, tzinfo=UTC)
    assert (first.hour, first.minute, second.hour, second.minute) == (9, 30, 9, 30)


def test_the_job_writes_the_last_complete_week_once(env: Env, store: Store) -> None:
    s = settings(env)
    plant_week(store)
    clock = FixedClock(MONDAY_0800)
    job = WeeklyReportJob(s, store, clock)
    outcome = job()
    out = env.dir / "reports"  # [report] output_dir's default, beside settings.toml
    assert outcome.written and outcome.week.__str__() == "2026-W47"
    names = sorted(p.name for p in outcome.files)
    assert names == sorted(f"report-2026-W47.{e}" for e in ("html", "md", "csv", "json"))
    assert all(p.parent == out and p.is_file() for p in outcome.files)
    doc = json.loads((out / "report-2026-W47.json").read_text())
    assert doc["sections"][0]["mentions"] == 20 and doc["complete"] is True
    assert doc["generated_at"] == "2026-11-23T05:00:00Z"  # the injected clock, not the machine's
    [row] = runs(store)
    assert row["week"] == "2026-W47" and row["created_at"] == MONDAY_0800.astimezone(UTC)
    assert sorted(Path(f).name for f in row["files"]) == names and row["delivered_at"] is None

    # Run again (a coalesced misfire, a restart with a new job object): nothing is rewritten.
    before = {p: p.stat().st_mtime_ns for p in out.iterdir()}
    clock.advance(timedelta(hours=3))
    for again in (job(), WeeklyReportJob(s, store, clock)()):
        assert not again.written and str(again.week) == "2026-W47"
    assert {p: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert len(runs(store)) == 1


def test_old_weeks_are_pruned_to_keep(env: Env, store: Store) -> None:
    s = settings(env, 'keep = 2\nformats = ["md", "json"]')
    out = env.dir / "reports"
    out.mkdir()
    others = [out / "notes.txt", out / "report-final.html", out / "report-2026-W40-extra.pdf"]
    for p in others:
        p.write_text("not ours")
    clock = FixedClock(MONDAY_0800)
    job = WeeklyReportJob(s, store, clock)
    weeks = []
    for _ in range(4):
        outcome = job()
        weeks.append(str(outcome.week))
        clock.advance(timedelta(weeks=1))
    assert weeks == ["2026-W47", "2026-W48", "2026-W49", "2026-W50"]
    assert sorted(p.name for p in out.iterdir() if p not in others) == [
        "report-2026-W49.json",
        "report-2026-W49.md",
        "report-2026-W50.json",
        "report-2026-W50.md",
    ]
    assert all(p.exists() for p in others)  # files not named like our reports are never touched
    assert [r["week"] for r in runs(store)] == weeks  # the record of every week stays


def test_a_missed_run_is_made_up_at_start_but_not_on_a_first_start(env: Env, store: Store) -> None:
    s = settings(env)
    # First start ever, on Tuesday: no report yet, so none is written at once (the next is Monday's).
    tuesday = FixedClock(MONDAY_0800 + timedelta(days=1))
    assert WeeklyReportJob(s, store, tuesday).due_week(tuesday.now()) is None
    # The daemon wrote W47 on Monday, then was down for the next Monday 08:00 run (W48's).
    WeeklyReportJob(s, store, FixedClock(MONDAY_0800))()
    later = FixedClock(MONDAY_0800 + timedelta(days=8))
    job = WeeklyReportJob(s, store, later)
    assert str(job.due_week(later.now())) == "2026-W48"
    # Monday 07:59 of the week after: W49's run has not come yet; W48's is still owed.
    early = MONDAY_0800 + timedelta(weeks=2, minutes=-1)
    assert str(job.due_week(early)) == "2026-W48"
    scheduler = BackgroundScheduler(timezone=s.timezone)
    add_report_job(scheduler, s, store, later)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {JOB_ID, f"{JOB_ID}:catch-up"}
    jobs[f"{JOB_ID}:catch-up"].func()  # what the scheduler runs at once
    assert [r["week"] for r in runs(store)] == ["2026-W47", "2026-W48"]
    assert job.due_week(later.now()) is None
    again = BackgroundScheduler(timezone=s.timezone)
    add_report_job(again, s, store, later)
    assert [j.id for j in again.get_jobs()] == [JOB_ID]


def test_disabled_report_adds_no_job(env: Env, store: Store) -> None:
    scheduler = BackgroundScheduler()
    add_report_job(scheduler, settings(env, "enabled = false"), store, FixedClock(MONDAY_0800))
    assert scheduler.get_jobs() == []


def test_the_daemon_schedules_the_job_in_the_configured_zone(env: Env, store: Store) -> None:
    daemon = Daemon(settings(env, 'day = "wed"\ntime = "18:45"'), store, clock=FixedClock(MONDAY_0800))
    daemon._start_scheduler()
    try:
        job = daemon.scheduler.get_job(JOB_ID)  # type: ignore[union-attr]
        assert job is not None and job.next_run_time is not None
        local = job.next_run_time.astimezone(IST)
        assert (local.isoweekday(), local.hour, local.minute) == (3, 18, 45)
        assert job.next_run_time.utcoffset() == timedelta(hours=3)
        assert daemon.scheduler.get_job(f"{JOB_ID}:catch-up") is None  # type: ignore[union-attr]
    finally:
        daemon.scheduler.shutdown(wait=False)  # type: ignore[union-attr]


HOOK_TARGET = """
[alerts]
retries = 1
rules = []

[[alerts.targets]]
name = "team-hook"
kind = "json"
url_env = "MONITOR_TEST_REPORT_HOOK"
allow_private = true
"""


def test_deliver_must_name_an_alert_target(env: Env) -> None:
    from connectors.errors import ConfigError

    with pytest.raises(ConfigError, match=r"report\.deliver\[0\]: unknown alert target 'nope'"):
        settings(env, 'deliver = ["nope"]', HOOK_TARGET)


def test_the_report_is_sent_once_through_the_alerting_targets(
    env: Env, store: Store, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[dict] = []

    def hook(request: Request) -> Response:
        received.append(json.loads(request.get_data()))
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(hook)
    monkeypatch.setenv("MONITOR_TEST_REPORT_HOOK", httpserver.url_for("/hook"))
    s = settings(env, 'deliver = ["team-hook"]\nformats = ["html", "json"]', HOOK_TARGET)
    plant_week(store)
    clock = FixedClock(MONDAY_0800)
    outcome = WeeklyReportJob(s, store, clock)()
    assert outcome.delivered and outcome.delivery_error is None
    [body] = received
    assert body["title"] == "Weekly brand report 2026-W47"
    message = body["message"]
    assert "acme: 20 mentions (new on 2026-W46), 65 % negative, net sentiment -30" in message
    assert f"Report: {env.dir / 'reports' / 'report-2026-W47.html'}" in message
    assert body["alert"]["week"] == "2026-W47" and body["alert"]["brands"]["acme"]["mentions"] == 20
    [row] = runs(store)
    assert row["delivered_at"] == MONDAY_0800.astimezone(UTC)
    # A restart, the same week again: neither rewritten nor re-sent.
    clock.advance(timedelta(minutes=5))
    again = WeeklyReportJob(s, store, clock)
    assert again.due_week(clock.now()) is None
    assert not again().delivered and len(received) == 1


def test_a_failed_delivery_is_retried_by_the_next_start(
    env: Env, store: Store, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("down", status=500)
    monkeypatch.setenv("MONITOR_TEST_REPORT_HOOK", httpserver.url_for("/hook"))
    s = settings(env, 'deliver = ["team-hook"]\nformats = ["md"]', HOOK_TARGET)
    clock = FixedClock(MONDAY_0800)
    outcome = WeeklyReportJob(s, store, clock)()
    assert outcome.written and not outcome.delivered and "team-hook" in (outcome.delivery_error or "")
    assert runs(store)[0]["delivered_at"] is None
    # The hook works again; the daemon restarts: the week is owed (not sent) and is sent, not rewritten.
    httpserver.clear()
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    clock.advance(timedelta(hours=1))
    job = WeeklyReportJob(s, store, clock)
    week = job.due_week(clock.now())
    assert str(week) == "2026-W47"
    assert week is not None
    retry = job.run_week(week, clock.now())
    assert retry.delivered and not retry.written
    assert runs(store)[0]["delivered_at"] == clock.now()


def test_email_targets_get_the_html_report_as_body_and_attachment(
    env: Env, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import email
    import socket

    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            received.append(envelope.content)  # type: ignore[attr-defined]
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(Handler(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        monkeypatch.setenv(
            "MONITOR_TEST_REPORT_MAIL",
            f"mailto://127.0.0.1:{port}?from=monitor@example.org&to=team@example.org&mode=insecure",
        )
        target = HOOK_TARGET + (
            '\n[[alerts.targets]]\nname = "team-mail"\nkind = "email"\n'
            'url_env = "MONITOR_TEST_REPORT_MAIL"\nallow_private = true\n'
        )
        s = settings(env, 'deliver = ["team-mail"]\nformats = ["html", "md"]', target)
        plant_week(store)
        outcome = WeeklyReportJob(s, store, FixedClock(MONDAY_0800))()
    finally:
        smtp.stop()
    assert outcome.delivered, outcome.delivery_error
    [raw] = received
    message = email.message_from_bytes(raw)
    assert message["Subject"] == "Weekly brand report 2026-W47" and message["To"] == "team@example.org"
    parts = list(message.walk())
    html_bodies = [p.get_payload(decode=True).decode() for p in parts if p.get_content_type() == "text/html"]
    assert any("<h2>Share of voice</h2>" in body and "data:image/png;base64," in body for body in html_bodies)
    attached = [p for p in parts if p.get_filename()]
    assert [p.get_filename() for p in attached] == ["report-2026-W47.html"]
    assert attached[0].get_payload(decode=True) == (env.dir / "reports" / "report-2026-W47.html").read_bytes()
