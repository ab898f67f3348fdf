"""`monitor surveys import`, `monitor customers import` and `monitor index`: the satisfaction index's
commands, its JSON object and its table (the computation: monitor/index/)."""

from __future__ import annotations

import json
import math
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from connectors.errors import ConfigError
from monitor.cli.options import format_option
from monitor.clock import SystemClock
from monitor.index.periods import Period, last_complete, period_at

if TYPE_CHECKING:
    from monitor.cli import App
    from monitor.index.calculator import PeriodIndex


@click.group()
def surveys() -> None:
    """Survey responses (CSAT, NPS, CES) for the satisfaction index."""


@surveys.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--metric", required=True, type=click.Choice(["csat", "nps", "ces"]), help="what the scores measure"
)
@click.option("--brand", help="whose responses these are (default: the only configured brand)")
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="OURS=THEIRS",
    help="read one of our columns from another, e.g. score=rating (repeatable)",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="file format (default: from the name)"
)
@click.option("--strict", is_flag=True, help="stop at the first bad row instead of skipping it")
@click.pass_obj
def surveys_import(
    app: App,
    file: Path,
    metric: str,
    brand: str | None,
    columns: tuple[str, ...],
    fmt: str | None,
    strict: bool,
) -> int:
    """Load survey responses (respondent_id, submitted_at, score; optional segment, comment): scale
    checked per metric, comments scored for sentiment, idempotent."""
    from monitor.index.surveys import default_brand, import_surveys, parse_column_options

    mapping = parse_column_options(columns)
    chosen = default_brand(app.settings, brand)
    summary = import_surveys(
        file,
        app.settings,
        app.store,
        metric=metric,
        brand=chosen,
        columns=mapping,
        fmt=fmt,  # type: ignore[arg-type]  # click.Choice checked it
        strict=strict,
    )
    click.echo(f"{metric} for {chosen}: {summary.line()}")
    return 0


@click.group()
def customers() -> None:
    """Customer counts per period (retention, churn, CLV inputs)."""


@customers.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--brand", help="whose customers these are (default: the only configured brand)")
@click.option("--strict", is_flag=True, help="stop at the first bad row instead of skipping it")
@click.pass_obj
def customers_import(app: App, file: Path, brand: str | None, strict: bool) -> int:
    """Load a customers CSV (period_start, customers_start, customers_end, new_customers, avg_margin;
    optional period_end, discount_rate); a period imported again is updated."""
    from monitor.index.customers import import_customers
    from monitor.index.surveys import default_brand

    chosen = default_brand(app.settings, brand)
    summary = import_customers(file, app.settings, app.store, brand=chosen, strict=strict)
    click.echo(f"customers for {chosen}: {summary.line()}")
    return 0


@click.command("index")
@click.option("--brand", help="only this brand (the output is then one JSON object)")
@click.option(
    "--period",
    type=click.Choice(["week", "month"]),
    default=None,
    help="index period (default: [index] period in settings.toml, else week)",
)
@format_option("table", "json")
@click.option(
    "--at", "at", metavar="DATE", help="show the period containing this date (default: the last complete one)"
)
@click.option(
    "--save", is_flag=True, help="also store the periods shown as snapshots (the daemon does this daily)"
)
@click.pass_obj
def index(app: App, brand: str | None, period: str | None, fmt: str, at: str | None, save: bool) -> int:
    """Satisfaction index per brand: value and 95% interval, components (raw value, n, weight),
    drivers of the change since the previous period, and the trend."""
    from monitor.index.calculator import IndexCalculator, store_snapshot

    settings = app.settings
    brands = [brand] if brand else list(settings.brands)
    if brand:
        settings.brand(brand)
    kind = period or settings.index.period
    now = SystemClock().now()
    try:
        moment = parse_at(at, settings.timezone) if at else None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    shown, complete = chosen_period(kind, now, settings.timezone, moment)
    objects = []
    for b in brands:
        items = IndexCalculator(settings, app.store, b, kind).series(shown, settings.index.trend_periods)
        if save:
            for item in items:
                if item.period.bounds(settings.timezone)[1] <= now:  # only periods that have ended
                    store_snapshot(app.store, item, now)
        objects.append(index_json(items, kind, complete))
    if fmt == "json":
        click.echo(json.dumps(objects[0] if len(objects) == 1 else objects, indent=2))
        return 0
    console = Console(highlight=False, markup=False, emoji=False)
    if not console.is_terminal:
        console.width = 120
    for obj in objects:
        render_index(obj, console)
    return 0


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def index_json(items: list[PeriodIndex], kind: str, complete: bool) -> dict[str, Any]:
    """The `monitor index --format json` object of one brand (DESIGN.md's shape plus added keys);
    `items` is the trend, oldest first, ending with the period shown."""
    cur = items[-1]
    r = cur.result
    prev = cur.previous
    return {
        "brand": cur.brand,
        "period": kind,
        "period_start": cur.period.start.isoformat(),
        "period_end": cur.period.end.isoformat(),
        "label": cur.period.label,
        "complete": complete,
        "value": _num(r.value),
        "low": _num(r.low),
        "high": _num(r.high),
        "se": _num(r.se),
        "components": {name: c.as_dict() for name, c in r.components.items()},
        "missing": list(r.missing),
        "previous": None
        if prev is None
        else {
            "period_start": cur.period.previous().start.isoformat(),
            "label": cur.period.previous().label,
            "value": _num(prev.value),
        },
        "change": _num(cur.change),
        "drivers": [d.as_dict() for d in cur.drivers],
        "trend": [
            {
                "period_start": it.period.start.isoformat(),
                "label": it.period.label,
                "value": _num(it.result.value),
                "low": _num(it.result.low),
                "high": _num(it.result.high),
                "change": _num(it.change),
            }
            for it in items
        ],
    }


def parse_at(value: str, tz: ZoneInfo) -> datetime:
    """--at DATE (or an ISO time) as an aware moment; a plain date means that local day."""
    try:
        if len(value.strip()) == 10:
            return datetime.combine(date.fromisoformat(value.strip()), time(12), tz)
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"--at: not a date like 2026-11-15: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def chosen_period(kind: str, now: datetime, tz: ZoneInfo, at: datetime | None) -> tuple[Period, bool]:
    """The period to show and whether it has ended: the one containing --at, else the last complete."""
    period = period_at(kind, at, tz) if at is not None else last_complete(kind, now, tz)
    return period, period.bounds(tz)[1] <= now


def _f(x: float | None, fmt: str = ".1f") -> str:
    return "-" if x is None else format(x, fmt)


def _raw(c: dict[str, Any]) -> str:
    unit = c["unit"]
    if unit.startswith("%"):
        return f"{c['raw']:.1f} {unit}"
    if unit == "points":
        return f"{c['raw']:+.1f}"
    if unit == "stars":
        return f"{c['raw']:.2f} stars"
    return f"{c['raw']:.2f} ({unit})"


def render_index(obj: dict[str, Any], console: Console) -> None:
    """The table form of one brand's index (plain text: no markup is interpreted)."""
    head = (
        f"{obj['brand']}: satisfaction index, {obj['period']} {obj['label']} "
        f"({obj['period_start']} to {obj['period_end']}, exclusive)"
    )
    if not obj["complete"]:
        head += " - not over yet"
    console.print(Text(head))
    if obj["value"] is None:
        console.print(Text("  no data: no component has data within its lookback"))
        console.print()
        return
    change = ""
    if obj["change"] is not None and obj["previous"]:
        change = f"; {obj['change']:+.1f} since {obj['previous']['label']}"
    console.print(Text(f"  index {obj['value']:.1f} (95% {obj['low']:.1f}-{obj['high']:.1f}){change}"))
    table = Table(title_justify="left", show_edge=False)
    for col, justify in (
        ("component", "left"),
        ("raw", "right"),
        ("n", "right"),
        ("0-100", "right"),
        ("95%", "right"),
        ("weight", "right"),
        ("data from", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]  # the literals above
    for name, c in obj["components"].items():
        source = c["data_period_start"] or ""
        if c["carried_forward"]:
            source += f" (carried {c['age']})"
        table.add_row(
            name,
            _raw(c),
            f"{c['n']:,}",
            _f(c["value"]),
            f"{_f(c['low'])}-{_f(c['high'])}",
            f"{c['weight']:.2f}",
            source,
        )
    console.print(table)
    if obj["missing"]:
        console.print(Text(f"  left out (no data within lookback): {', '.join(obj['missing'])}"))
    if obj["drivers"]:
        parts = [
            f"{d['component']} {d['contribution']:+.2f}"
            + ("" if d["status"] == "moved" else f" ({d['status']})")
            for d in obj["drivers"]
        ]
        console.print(Text(f"  drivers: {', '.join(parts)}"))
    trend = [f"{t['label']} {_f(t['value'])}" for t in obj["trend"]]
    console.print(Text(f"  trend: {', '.join(trend)}"))
    console.print()
    sys.stdout.flush()
