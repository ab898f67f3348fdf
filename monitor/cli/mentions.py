"""`monitor poll`, `monitor import`, `monitor score` and `monitor export mentions`: getting mentions
in (polled, or backfilled from a file), scoring texts, and getting stored mentions out."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from connectors.errors import MonitorError
from monitor.cli import App, pass_app
from monitor.cli.options import format_option, open_out, time_option

if TYPE_CHECKING:
    from monitor.mentions.pipeline import Ingestor


@click.command()
@click.option("--brand", help="only this brand")
@click.option("--source", help="only this configured source (its name in settings.toml)")
@pass_app
def poll(app: App, brand: str | None, source: str | None) -> int:
    """Run every poll job once and exit; exit status 1 if any source failed (the others' data is kept)."""
    from monitor.mentions.pipeline import Poller

    poller = Poller(app.settings, app.store)
    jobs = poller.jobs(brand, source)
    if not jobs:
        raise MonitorError("nothing to poll: no enabled source for that brand/source")
    failed = 0
    for src, b in jobs:
        o = poller.poll(src, b)
        r = o.result
        if o.skipped_until is not None:
            click.echo(f"{src.name}/{b}: skipped until {o.skipped_until:%Y-%m-%d %H:%M}Z: {o.skip_reason}")
        elif o.ok:
            state = f"deferred until {o.deferred_until:%H:%M:%S}Z" if o.deferred_until else "ok"
            click.echo(
                f"{src.name}/{b}: {state}: {r.stored} stored, {r.duplicates} duplicate, "
                f"{r.unmatched} not matching, {o.rejected} rejected"
            )
        else:
            failed += 1
            click.echo(f"{src.name}/{b}: FAILED: {o.error}", err=True)
    _record_history(app, poller.ingestor)
    return 1 if failed else 0


def _load_history_backtest() -> None:
    import analysis.spikes.detector  # noqa: F401
    import monitor.alerting.history
    import monitor.alerting.series  # noqa: F401


def _record_history(app: App, ingestor: Ingestor) -> None:
    """Run the spike rules over what just arrived from the past (a first poll, an import)."""
    from monitor.alerting.history import record_late_history

    found = record_late_history(app.settings, app.store, ingestor.take_earliest(), clock=ingestor.clock)
    if found:
        click.echo(f"{found} historical alert(s) in the stored history (recorded, not sent): monitor alerts")


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--brand", help="brand for rows without a `brand` column (default: every brand whose query matches)"
)
@click.option(
    "--source",
    "default_source",
    default="file",
    show_default=True,
    help="platform for rows without a `source` column",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="file format (default: from the name)"
)
@click.option("--strict", is_flag=True, help="stop at the first bad row instead of skipping it")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="scoring processes for large batches (default: one per CPU core)",
)
@click.option(
    "--batch-size",
    default=2500,
    show_default=True,
    type=click.IntRange(1, 100_000),
    # 2,500 rather than 1,000: every commit rewrites the indexes' hot pages into the WAL, and at
    # 1,000 rows that was a seventh of the importing process's CPU (docs/sentiment.md).
    help="rows per transaction",
)
@pass_app
def import_(
    app: App,
    file: Path,
    brand: str | None,
    default_source: str,
    fmt: str | None,
    strict: bool,
    batch_size: int,
    workers: int | None,
) -> int:
    """Backfill mentions from a CSV or JSONL file (streamed, idempotent). Never notifies: incidents
    in the imported history are recorded as historical alerts (see `monitor alerts`)."""
    from monitor.mentions.scoring_pool import POOL_MIN_BYTES, BatchScorer, start_fork_server

    scorer = BatchScorer(workers=workers)
    with contextlib.suppress(OSError):  # a missing file is reported by import_file, in its words
        if scorer.workers >= 2 and file.stat().st_size >= POOL_MIN_BYTES:
            start_fork_server()  # loads the workers' model while this process loads the rest

    from monitor.mentions.importer import import_file
    from monitor.mentions.pipeline import Ingestor

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        # Finish and commit the batch in hand, then stop: a rerun continues where this one ended.
        stop.set()
        stopped.append(signum)

    stopped: list[int] = []
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    ingestor = Ingestor(
        app.store, scorer=scorer, lexicons={b.name: b.lexicon for b in app.settings.brands.values()}
    )
    # The history backtest that follows the import needs pandas and the detector (half a second to
    # load): loaded now, beside the import, they are ready when the rows are in.
    threading.Thread(target=_load_history_backtest, name="preload", daemon=True).start()
    try:
        summary = import_file(
            file,
            app.settings,
            ingestor,
            brand=brand,
            default_source=default_source,
            fmt=fmt,  # type: ignore[arg-type]  # click.Choice checked it
            strict=strict,
            batch_size=batch_size,
            stop=stop,
        )
    finally:
        scorer.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(summary.line())
    _record_history(app, ingestor)
    if stopped:
        click.echo(
            f"import stopped by {signal.Signals(stopped[0]).name}: every row above is stored; "
            "run the same command again to finish",
            err=True,
        )
        return 128 + stopped[0]
    return 0


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="write JSONL here (default: standard output)",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="input format (default: from the name)"
)
@click.option("--strict", is_flag=True, help="stop at the first bad row instead of skipping it")
def score(file: Path, output: Path | None, fmt: str | None, strict: bool) -> int:
    """Score a CSV/JSONL of texts (`id`, `text`, optional `lang`) without storing; JSONL out."""
    from monitor.mentions.scoring import score_file

    with open_out(output) as out:
        summary = score_file(file, out, fmt=fmt, strict=strict)  # type: ignore[arg-type]  # click.Choice checked fmt
    click.echo(
        f"{summary.scored:,} scored, {summary.unscored:,} unscored, {summary.rejected:,} rejected", err=True
    )
    return 0


@click.group()
def export() -> None:
    """Export stored data."""


@export.command("mentions")
@format_option("jsonl", "csv")
@click.option("--brand", help="only this brand")
@click.option("--since", help="only mentions at or after this ISO 8601 time")
@click.option("--until", help="only mentions before this ISO 8601 time")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="write here (default: standard output)",
)
@pass_app
def export_mentions(
    app: App, fmt: str, brand: str | None, since: str | None, until: str | None, output: Path | None
) -> int:
    """Export stored mentions with their scores (the import columns plus source_name and scores)."""
    from monitor.mentions.export import write_csv, write_jsonl

    if brand:
        app.settings.brand(brand)
    rows = app.store.iter_mentions(
        brand=brand, since=time_option("--since", since), until=time_option("--until", until)
    )
    # On a terminal, text from the internet is shown as plain text (no escape sequences).
    terminal = output is None and sys.stdout.isatty()
    with open_out(output) as out:
        n = (write_csv if fmt == "csv" else write_jsonl)(rows, out, terminal=terminal)
    click.echo(f"{n:,} mentions exported", err=True)
    return 0
