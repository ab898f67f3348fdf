"""Options several commands share, written once so they read and behave the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def format_option(*choices: str, help: str = "output format") -> Callable[[Any], Any]:
    """`--format` as `fmt`, the first choice being the default."""
    return click.option(
        "--format", "fmt", type=click.Choice(list(choices)), default=choices[0], show_default=True, help=help
    )
