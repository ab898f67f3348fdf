"""One wording for every settings mistake: `path: problem`, e.g.
`sources[0].interval: expected a duration like "15m", got "soon"` (monitor.config and the section
models of other packages, e.g. monitor.config.alerts, share it)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


def _loc(loc: tuple[Any, ...], prefix: str | None) -> str:
    out = prefix or ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in {"function-after", "function-before"} or str(part).startswith("function-"):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def first_error(exc: ValidationError, prefix: str | None = None) -> str:
    """The first pydantic error as `path: problem` (and how many more there are)."""
    errors = exc.errors(include_url=False)
    err = errors[0]
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        text = "unknown setting"
    elif kind == "missing":
        text = "required setting is missing"
    elif kind in {"value_error", "assertion_error"}:
        text = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    else:
        text = f"{msg[0].lower()}{msg[1:]}, got {err.get('input')!r}"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{_loc(tuple(err['loc']), prefix)}: {text}{more}"
