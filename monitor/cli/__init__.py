"""The `monitor` command line (DESIGN.md names every command; outside checks rely on them): the
`monitor` group, its shared App, and run_main/main. Each command family is a module of this package
(LAZY_COMMANDS), imported only when it runs or --help lists it.

Any MonitorError becomes one line on stderr and its exit status (2 for configuration and input
mistakes), never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.text import Text

from connectors.errors import MonitorError
from monitor import __version__
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
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # click.Group's own arguments, passed on
        self.lazy = dict(lazy or {})  # command name -> "module:attribute"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, attribute = self.lazy[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


# Command families, one module each, loaded on use.
LAZY_COMMANDS = {
    "run": "monitor.cli.daemon:run",
    "status": "monitor.cli.daemon:status",
    "poll": "monitor.cli.mentions:poll",
    "import": "monitor.cli.mentions:import_",
    "score": "monitor.cli.mentions:score",
    "export": "monitor.cli.mentions:export",
    "backtest": "monitor.cli.backtest:backtest_command",
    "alerts": "monitor.cli.alerts:alerts_command",
    "surveys": "monitor.cli.index:surveys",
    "customers": "monitor.cli.index:customers",
    "index": "monitor.cli.index:index",
    "report": "monitor.cli.report:report",
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
