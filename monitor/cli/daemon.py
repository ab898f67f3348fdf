"""`monitor run` (the daemon, in the foreground) and `monitor status` (source health and counts)."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console

from monitor.cli import App, pass_app
from monitor.cli.options import format_option
from monitor.clock import SystemClock


@click.command()
@pass_app
def run(app: App) -> int:
    """Run the daemon in the foreground: poll every source on its interval until SIGTERM/SIGINT."""
    from monitor.daemon import Daemon

    # Under systemd or a pipe, show each line as it happens rather than when a buffer fills.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # stdout is a TextIOWrapper here
    return Daemon(app.settings, app.store).run()


@click.command()
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
