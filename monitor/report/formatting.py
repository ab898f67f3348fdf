"""Numbers and times as the HTML and Markdown reports show them (the JSON keeps the raw values)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

DASH = "–"


def count(value: Any) -> str:
    return DASH if value is None else f"{int(value):,}"


def percent(value: Any, digits: int = 1) -> str:
    return DASH if value is None else f"{float(value):.{digits}f} %"


def signed(value: Any, digits: int = 0, unit: str = "") -> str:
    return DASH if value is None else f"{float(value):+,.{digits}f}{unit}"


def number(value: Any, digits: int = 1) -> str:
    if value is None:
        return DASH
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:,.{digits}f}"


def interval(low: Any, high: Any, digits: int = 1) -> str:
    if low is None or high is None:
        return DASH
    return f"{float(low):.{digits}f}–{float(high):.{digits}f}"


def local_time(value: str | None, tz: tzinfo) -> str:
    """An ISO UTC time as the reader's local weekday, date and time, e.g. `Tue 17 Nov 14:03`."""
    if not value:
        return DASH
    return datetime.fromisoformat(value).astimezone(tz).strftime("%a %d %b %H:%M")


def day(value: str) -> str:
    return date.fromisoformat(value).strftime("%a %d %b")


def long_day(value: str) -> str:
    return date.fromisoformat(value).strftime("%a %d %b %Y")


_METRIC_NAMES = {"csat": "CSAT", "nps": "NPS", "ces": "CES", "clv": "CLV"}


def metric_name(name: str) -> str:
    return _METRIC_NAMES.get(name, name)


def driver(item: Any) -> str:
    """One entry of the index's drivers as a sentence.

    The index stores {component, contribution, previous, current, status}; anything else
    is shown field by field, so a richer shape later still reads."""
    if isinstance(item, str):
        return item
    if not isinstance(item, dict):
        return str(item)
    if "component" in item and "contribution" in item:
        name = metric_name(str(item["component"]))
        moved = f"{signed(item['contribution'], 1)} points on the index"
        before, after = item.get("previous"), item.get("current")
        status = item.get("status")
        if before is not None and after is not None:
            return f"{name}: {moved} ({number(before)} → {number(after)})"
        if status and status != "moved":
            return f"{name}: {moved} ({status})"
        return f"{name}: {moved}"
    for key in ("text", "summary", "message", "description"):
        if isinstance(item.get(key), str):
            return item[key]
    return ", ".join(f"{k}: {number(v, 2)}" for k, v in item.items())


def change_line(section: dict[str, Any], previous_week: str) -> str:
    """`+24 (+4.1 %) on 2026-W46`, or why there is no percentage."""
    if section["previous_mentions"] == 0:
        return f"{signed(section['change'])} on {previous_week} (no mentions then)"
    return f"{signed(section['change'])} ({signed(section['change_pct'], 1, ' %')}) on {previous_week}"
