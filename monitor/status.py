"""What `monitor status` and the daemon's summaries show: connector health and mention counts."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from connectors import registry
from monitor.config import Settings, Source
from monitor.config.durations import format_duration
from monitor.storage.store import Store
from monitor.terminal import plain

LABELS = ("positive", "neutral", "negative", "unscored")


def sentiment_mix(store: Store) -> dict[str, Counter[str]]:
    """Per brand: count of mentions by label."""
    mix: dict[str, Counter[str]] = defaultdict(Counter)
    for row in store.mention_counts():
        mix[row["brand"]][row["label"]] += row["n"]
    return dict(mix)


def mix_line(counts: Counter[str]) -> str:
    total = sum(counts.values())
    if not total:
        return "0 mentions"
    parts = [f"{counts[label] / total:.0%} {label}" for label in LABELS if counts[label]]
    return f"{total:,} mentions: " + ", ".join(parts)


def source_warnings(src: Source, health: Any, now: datetime) -> list[str]:
    """What a person should act on: e.g. a source whose API only looks back a few days (Google
    Play: 7) was not polled successfully within that window, so reviews were lost."""
    warnings: list[str] = []
    max_gap: timedelta | None = getattr(registry.connector_module(src.type), "MAX_GAP", None)
    if max_gap is not None:
        if src.settings.interval >= max_gap:
            warnings.append(
                f"interval {format_duration(src.settings.interval)} is not shorter than the "
                f"{format_duration(max_gap)} this API looks back: reviews will be missed"
            )
        last = health["last_success_at"] if health else None
        if last is not None and now - last > max_gap:
            warnings.append(
                f"no successful poll for {format_duration(now - last)}, longer than the "
                f"{format_duration(max_gap)} this API looks back: some reviews were missed"
            )
    return warnings


def status_data(settings: Settings, store: Store, now: datetime) -> dict[str, Any]:
    health = {row["source_name"]: row for row in store.health()}
    sources = []
    for src in settings.sources.values():
        h = health.get(src.name)
        sources.append(
            {
                "name": src.name,
                "type": src.type,
                "brands": list(src.brands),
                "enabled": src.settings.enabled,
                "interval": format_duration(src.settings.interval),
                "last_attempt_at": _iso(h["last_attempt_at"]) if h else None,
                "last_success_at": _iso(h["last_success_at"]) if h else None,
                "last_error_at": _iso(h["last_error_at"]) if h else None,
                "last_error": h["last_error"] if h else None,
                "consecutive_failures": h["consecutive_failures"] if h else 0,
                "last_stored": h["last_stored"] if h else 0,
                "deferred_until": _iso(h["deferred_until"]) if h else None,
                "circuit_open_until": _iso(h["circuit_open_until"]) if h else None,
                "monthly_read_budget": getattr(src.spec.options, "monthly_read_budget", None),
                "reads_this_month": store.reads_in_month(src.name, now),
                "warnings": source_warnings(src, h, now),
            }
        )
    brands: dict[str, Any] = {}
    for row in store.mention_counts():
        b = brands.setdefault(
            row["brand"], {"total": 0, "labels": Counter(), "sources": Counter(), "newest": None}
        )
        b["total"] += row["n"]
        b["labels"][row["label"]] += row["n"]
        b["sources"][row["source"]] += row["n"]
        newest = _iso(row["newest"])
        b["newest"] = max(filter(None, [b["newest"], newest]), default=None)
    for row in store.language_counts():
        b = brands.get(row["brand"])
        if b is not None:  # what the monitor cannot read, per language, so nobody mistakes it for neutral
            b.setdefault("languages", {})[row["lang"] or "unknown"] = {
                "total": row["n"],
                "unscored": int(row["unscored"] or 0),
            }
    for b in brands.values():
        b["labels"] = {label: b["labels"][label] for label in LABELS}
        b["sources"] = dict(b["sources"])
    return {"database": store.describe(), "now": _iso(now), "sources": sources, "brands": brands}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _short_time(iso: str | None) -> str:
    return iso[:16].replace("T", " ") + "Z" if iso else ""


def render_status(data: dict[str, Any], console: Console) -> None:
    console.print(Text(f"database: {data['database']}"))
    table = Table(title="sources", title_justify="left")
    for col in ("source", "type", "brands", "every", "last success", "failures / state", "last error"):
        table.add_column(col)
    for s in data["sources"]:
        state = "disabled" if not s["enabled"] else str(s["consecutive_failures"])
        if s["circuit_open_until"] and s["circuit_open_until"] > data["now"]:
            state += f", circuit open until {_short_time(s['circuit_open_until'])}"
        if s["deferred_until"] and s["deferred_until"] > data["now"]:
            state += f", rate limited until {_short_time(s['deferred_until'])}"
        for warning in s["warnings"]:
            state += f", WARNING: {warning}"
        if s["monthly_read_budget"]:
            state += f", {s['reads_this_month']:,}/{s['monthly_read_budget']:,} reads this month"
        table.add_row(
            Text(s["name"]),
            Text(s["type"]),
            Text(", ".join(s["brands"])),
            Text(s["interval"]),
            Text(_short_time(s["last_success_at"]) or "never"),
            Text(state),
            Text(plain(s["last_error"], one_line=True, limit=80) if s["consecutive_failures"] else ""),
        )
    console.print(table)
    table = Table(title="mentions", title_justify="left")
    for col in ("brand", "total", *LABELS, "newest"):
        table.add_column(col, justify="right" if col not in {"brand", "newest"} else "left")
    for name, b in sorted(data["brands"].items()):
        table.add_row(
            Text(name),
            f"{b['total']:,}",
            *(f"{b['labels'][lab]:,}" for lab in LABELS),
            Text(_short_time(b["newest"])),
        )
    console.print(table)
    table = Table(title="languages (unscored: text no configured scorer can read)", title_justify="left")
    for col in ("brand", "language", "mentions", "unscored", "unscored share"):
        table.add_column(col, justify="left" if col in {"brand", "language"} else "right")
    for name, b in sorted(data["brands"].items()):
        for lang, c in b.get("languages", {}).items():
            share = c["unscored"] / c["total"] if c["total"] else 0.0
            table.add_row(Text(name), Text(lang), f"{c['total']:,}", f"{c['unscored']:,}", f"{share:.0%}")
    console.print(table)
