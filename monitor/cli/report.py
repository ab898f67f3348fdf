"""`monitor report`: the weekly summary on demand (the daemon's schedule: monitor/report/schedule.py)."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli import App, pass_app
from monitor.clock import Clock, SystemClock
from monitor.config.report import FORMATS, output_dir
from monitor.report.week import IsoWeek

# Tests replace this to pin "now" (the default week is the last complete one at this clock).
CLOCK: Clock = SystemClock()


@click.command("report")
@click.option("--brand", help="only this brand's section (file name report-WEEK-BRAND.*)")
@click.option(
    "--week",
    metavar="YYYY-Www",
    help="ISO week, e.g. 2026-W47 (default: the last complete week in the configured time zone)",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*FORMATS, "all"]),
    default="html",
    show_default=True,
    help="html (self-contained, with charts), md, csv (the week's mentions), json, or all four",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, file_okay=False),
    help="folder to write into (default: [report] output_dir, `reports` beside settings.toml)",
)
@pass_app
def report(app: App, brand: str | None, week: str | None, fmt: str, output: Path | None) -> int:
    """Write the weekly summary of a week: volume and change, sentiment by day, source and language,
    share of voice, satisfaction index, business metrics, alerts, top mentions, negative terms."""
    from monitor.report.write import write_report

    given = IsoWeek.parse(week) if week else None  # a bad --week fails before any work
    settings = app.settings
    now = CLOCK.now()
    iso_week = given or IsoWeek.last_complete(now, settings.timezone)
    if brand is not None:
        settings.brand(brand)  # unknown brand: one line naming the configured ones, before any work
    written = write_report(
        settings,
        app.store,
        iso_week,
        formats=list(FORMATS) if fmt == "all" else [fmt],  # type: ignore[list-item]  # click.Choice checked it
        output=output if output is not None else output_dir(settings.report, settings.path),
        now=now,
        brand=brand,
    )
    for path in written.files:
        click.echo(str(path))
    data = written.data
    shown = ", ".join(f"{b} {data.summary.brands[b].volume:,}" for b in data.sections)
    note = "" if data.complete else " (the week is not over yet)"
    click.echo(f"{iso_week}: {shown} mentions{note}", err=True)
    return 0
