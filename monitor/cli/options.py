"""Options and helpers several commands share, written once so they read and behave the same everywhere."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import click

from connectors.errors import InputError
from connectors.records import parse_time


def format_option(*choices: str, help: str = "output format") -> Callable[[Any], Any]:
    """`--format` as `fmt`, the first choice being the default."""
    return click.option(
        "--format", "fmt", type=click.Choice(list(choices)), default=choices[0], show_default=True, help=help
    )


def time_option(name: str, value: str | None) -> datetime | None:
    """An ISO 8601 time option's value (None if not given); anything else is a one-line InputError."""
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise InputError(f"{name}: not an ISO 8601 time: {value!r}") from None


@contextlib.contextmanager
def open_out(path: Path | None) -> Iterator[TextIO]:
    """The file at `path` (its folder created), or standard output when no path is given."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        yield fh
