"""Human durations in settings ("15m", "1h30m", "2d"), parsed strictly so typos fail loudly."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?[smhdw])+")


def parse_duration(value: object) -> timedelta:
    """Parse "90s", "15m", "1h30m", "2d", "1w" (or a number of seconds) into a timedelta.

    Raises ValueError with the wording the settings loader shows to users.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):  # bool is an int; "interval = true" is a mistake, not 1 second
        raise ValueError(f'expected a duration like "15m", got {value!r}')
    if isinstance(value, int | float):
        if value <= 0:
            raise ValueError(f"expected a positive duration, got {value!r}")
        return timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError(f'expected a duration like "15m", got {value!r}')
    text = value.strip().lower().replace(" ", "")
    if not _WHOLE.fullmatch(text):
        raise ValueError(f'expected a duration like "15m", got "{value}"')
    seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(text))
    if seconds <= 0:
        raise ValueError(f'expected a positive duration, got "{value}"')
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """The inverse of parse_duration for display: 5400 s -> "1h30m"."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0s"
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, seconds = divmod(seconds, size)
        if n:
            out.append(f"{n}{unit}")
    return "".join(out)
