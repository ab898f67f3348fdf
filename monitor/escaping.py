"""Escaping for exported files: hostile text must stay inert when a spreadsheet opens it."""

from __future__ import annotations

from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value: Any) -> Any:
    """OWASP CSV-injection rule: a text cell starting with = + - @ tab CR LF gets a leading '.

    Numbers stay numbers (a negative compound score is data, not a formula).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
