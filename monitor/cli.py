"""The `monitor` command line (DESIGN.md names every command; outside checks rely on them).

Any MonitorError becomes one line on stderr and its exit status (2 for configuration and input
mistakes), never a traceback.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click
from rich.console import Console
from rich.text import Text

from connectors.errors import InputError, MonitorError
from connectors.records import parse_time
from monitor import __version__
from monitor.cli_options import format_option
from monitor.clock import SystemClock
from monitor.logs import setup_logging

if TYPE_CHECKING:
    from monitor.config import Settings
    from monitor.storage.store import Store

log = logging.getLogger("monitor")


class App:
    """Lazily loaded settings and store, shared by the commands of one invocation."""

    def __init__(self, config: str | None) -> None:
        self.config = config  # --config; load_settings falls back to $MONITOR_CONFIG, ./settings.toml
        self._settings: Settings | None = None
        self._store: Store | None = None

    # Settings (pydantic) and the store (SQLAlchemy, alembic) are imported on first use, not with the
    # CLI: `monitor import` starts its scoring pool before them, so the pool's start-up overlaps theirs.
    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from monitor.config import load_settings

            self._settings = load_settings(self.config)
        return self._settings

    @property
    def store(self) -> Store:
        if self._store is None:
            from monitor.storage.store import Store

            self._store = Store.open(self.settings.storage_url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


pass_app = click.make_pass_decorator(App)


class LazyGroup(click.Group):
    """A group whose commands in other modules are imported when they are run (or listed by --help).

    Every `monitor` invocation used to import every command family: Apprise and the alerting engine,
    the report's Jinja and matplotlib paths, the index. `monitor import` needs none of them, and its
    start-up is time the scoring pool waits with a core idle (docs/sentiment.md).
    """

    def __init__(self, *args: object, lazy: dict[str, str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = dict(lazy or {})  # command name -> "module:attribute"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, attribute = self.lazy[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


# Command families that live in their own modules (one module per family), loaded on use.
LAZY_COMMANDS = {
    "backtest": "monitor.backtest:backtest_command",
    "alerts": "monitor.cli_alerts:alerts_command",
    "surveys": "monitor.cli_index:surveys",
    "customers": "monitor.cli_index:customers",
    "index": "monitor.cli_index:index",
    "report": "monitor.cli_report:report",
}


@click.group(cls=LazyGroup, lazy=LAZY_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="settings file (default: $MONITOR_CONFIG or ./settings.toml)",
)
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="how much to log on stderr",
)
@click.version_option(__version__, prog_name="monitor")
@click.pass_context
def cli(ctx: click.Context, config: str | None, log_level: str) -> None:
    """Self-hosted brand sentiment monitor: polls sources for brand mentions, scores their
    sentiment, stores them, and reports."""
    setup_logging(log_level)
    app = App(config)
    ctx.obj = app
    ctx.call_on_close(app.close)


@cli.command()
@pass_app
def run(app: App) -> int:
    """Run the daemon in the foreground: poll every source on its interval until SIGTERM/SIGINT."""
    from monitor.daemon import Daemon

    # Under systemd or a pipe, show each line as it happens rather than when a buffer fills.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    return Daemon(app.settings, app.store).run()


@cli.command()
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
    return 1 if failed else 0


@cli.command("import")
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
    """Backfill mentions from a CSV or JSONL file (streamed, idempotent, never alerts)."""
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
    try:
        summary = import_file(
            file,
            app.settings,
            Ingestor(
                app.store, scorer=scorer, lexicons={b.name: b.lexicon for b in app.settings.brands.values()}
            ),
            brand=brand,
            default_source=default_source,
            fmt=fmt,  # type: ignore[arg-type]
            strict=strict,
            batch_size=batch_size,
            stop=stop,
        )
    finally:
        scorer.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(summary.line())
    if stopped:
        click.echo(
            f"import stopped by {signal.Signals(stopped[0]).name}: every row above is stored; "
            "run the same command again to finish",
            err=True,
        )
        return 128 + stopped[0]
    return 0


@cli.command()
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

    with _open_out(output) as out:
        summary = score_file(file, out, fmt=fmt, strict=strict)  # type: ignore[arg-type]
    click.echo(
        f"{summary.scored:,} scored, {summary.unscored:,} unscored, {summary.rejected:,} rejected", err=True
    )
    return 0


@cli.group()
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
        brand=brand, since=_time_option("--since", since), until=_time_option("--until", until)
    )
    # On a terminal, text from the internet is shown as plain text (no escape sequences).
    terminal = output is None and sys.stdout.isatty()
    with _open_out(output) as out:
        n = (write_csv if fmt == "csv" else write_jsonl)(rows, out, terminal=terminal)
    click.echo(f"{n:,} mentions exported", err=True)
    return 0


@cli.command()
@format_option("table", "json")
@pass_app
def status(app: App, fmt: str) -> int:
    """Connector health (last poll, last error, failures) and stored mention counts."""
    from monitor.status import render_status, status_data

    data = status_data(app.settings, app.store, SystemClock().now())
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
    else:
        console = Console(highlight=False, markup=False)
        if not console.is_terminal:
            console.width = 160  # pipes and logs: do not squeeze the tables to 80 columns
        render_status(data, console)
    return 0


def _time_option(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise InputError(f"{name}: not an ISO 8601 time: {value!r}") from None


@contextlib.contextmanager
def _open_out(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        yield fh


def run_main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status: one line on stderr for every user mistake."""
    from monitor.mentions.langid_cache import install as install_langid_cache

    install_langid_cache()  # the language model through its uncompressed copy, for every command
    err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)
    try:
        rv = cli.main(args=argv, prog_name="monitor", standalone_mode=False)
    except click.exceptions.Abort:
        err.print(Text("monitor: aborted"))
        return 130
    except click.exceptions.Exit as exc:  # --help, --version
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except MonitorError as exc:
        err.print(Text(f"monitor: {exc}"))
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `monitor export mentions | head`
        return 0
    return rv if isinstance(rv, int) else 0


def main() -> None:
    """Console entry point."""
    sys.exit(run_main())


if __name__ == "__main__":
    main()
