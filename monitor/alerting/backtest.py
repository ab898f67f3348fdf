"""`monitor backtest`: the alerts a spike rule would have raised on a history.

Two inputs, one detector (analysis.spikes.detector, with the `[detection]` parameters of settings.toml):
- a `timestamp,value` CSV (the volume-spike rule; bucket size = the median spacing of the rows);
- stored mentions of a brand (`--brand B --rule R --days N`), bucketed by monitor.alerting.series, so a
  user sees how often a rule would have fired before enabling it.

The detector is causal, so these are exactly the alerts the rule would have raised live (given
the same history start): one per fire event, with the bucket's observed and expected values.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from connectors.errors import ConfigError, InputError
from connectors.records import parse_time
from monitor.cli.options import format_option
from monitor.clock import Clock, FixedClock, SystemClock

# pandas and the detector load only when a backtest runs: `monitor.cli` imports this module for
# every command, and `monitor import` should not pay half a second for pandas at start-up.
if TYPE_CHECKING:
    import pandas as pd

    from analysis.spikes.detector import Verdict
    from analysis.spikes.params import SpikeParams
    from monitor.cli import App
    from monitor.storage.store import Store

Rule = Literal["volume_spike", "negative_spike", "negative_share"]
RULES: tuple[Rule, ...] = ("volume_spike", "negative_spike", "negative_share")


@dataclass(frozen=True)
class Alert:
    """One fire event, and when its episode resolved (None: still firing at the end)."""

    timestamp: str  # as in the input file (CSV) or ISO 8601 UTC (stored mentions)
    observed: float
    expected: float
    score: float
    statistic: str
    resolved: str | None

    def as_json(self) -> dict[str, object]:
        return {
            "timestamp": self.timestamp,
            "observed": _number(self.observed),
            "expected": round(self.expected, 4),
            "score": round(self.score, 3),
        }


@dataclass(frozen=True)
class Series:
    """A `timestamp,value` CSV read into memory: values on a UTC index, plus the original stamps."""

    values: pd.Series
    stamps: list[str]


def read_series_csv(path: Path) -> Series:
    """Read and check a `timestamp,value` CSV; any bad row is an InputError naming file:line.

    Timestamps are ISO 8601 (no offset means UTC) and must strictly increase; values are finite,
    non-negative numbers. Missing rows are missing data, not zeros: the detector sees the rows given.
    """
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    times: list[datetime] = []
    values: list[float] = []
    stamps: list[str] = []
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}:1: empty file (expected a header `timestamp,value`)")
            names = [h.strip().lower() for h in header]
            if "timestamp" not in names or "value" not in names:
                raise InputError(
                    f"{path}:1: expected a header with columns `timestamp,value`, got {header!r}"
                )
            ti, vi = names.index("timestamp"), names.index("value")
            for row in reader:
                line = reader.line_num
                if not row or all(not cell.strip() for cell in row):
                    continue
                where = f"{path}:{line}"
                if len(row) != len(names):
                    raise InputError(f"{where}: expected {len(names)} fields, got {len(row)}")
                stamp, raw_value = row[ti].strip(), row[vi].strip()
                try:
                    t = datetime.fromisoformat(stamp)
                except ValueError:
                    raise InputError(f"{where}: not an ISO 8601 timestamp: {stamp!r}") from None
                t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
                try:
                    value = float(raw_value)
                except ValueError:
                    raise InputError(f"{where}: value is not a number: {raw_value!r}") from None
                if not math.isfinite(value) or value < 0:
                    raise InputError(f"{where}: value must be a finite count >= 0, got {raw_value!r}")
                if times and t <= times[-1]:
                    raise InputError(f"{where}: timestamps must increase ({stamp} after {stamps[-1]})")
                times.append(t)
                values.append(value)
                stamps.append(stamp)
        except csv.Error as exc:
            raise InputError(f"{path}:{reader.line_num}: {exc}") from None
        except UnicodeDecodeError:
            raise InputError(f"{path}:{reader.line_num + 1}: not UTF-8 text") from None
    if not times:
        raise InputError(f"{path}:2: no rows after the header")
    import pandas as pd

    return Series(pd.Series(values, index=pd.DatetimeIndex(times, tz=UTC), dtype=float), stamps)


def alerts_of(verdicts: list[Verdict], label: Callable[[int], str]) -> list[Alert]:
    """One Alert per fire event; `label(i)` names bucket i the way the user gave it."""
    from analysis.spikes.detector import episodes

    return [
        Alert(
            label(fired),
            verdicts[fired].observed,
            verdicts[fired].expected,
            verdicts[fired].score,
            verdicts[fired].statistic,
            None if resolved is None else label(resolved),
        )
        for fired, resolved in episodes(verdicts)
    ]


def backtest_csv(path: Path, params: SpikeParams, tz: tzinfo) -> tuple[list[Alert], int]:
    """The volume-spike rule over a CSV series: its alerts, and how many buckets were judged."""
    from analysis.spikes.detector import count_spike

    series = read_series_csv(path)
    verdicts = count_spike(series.values, params, tz)
    return alerts_of(verdicts, lambda i: series.stamps[i]), len(verdicts)


def backtest_store(
    store: Store,
    brand: str,
    rule: Rule,
    *,
    days: float,
    bucket: timedelta,
    params: SpikeParams,
    tz: tzinfo,
    clock: Clock,
) -> tuple[list[Alert], int]:
    """A spike rule over the last `days` of stored mentions (closed buckets only)."""
    from analysis.spikes.detector import count_spike, share_rise
    from monitor.alerting.series import bucket_counts, floor_time

    end = floor_time(clock.now(), bucket)  # the bucket in progress is not judged
    start = end - timedelta(days=days)
    frame = bucket_counts(store, brand, start=start, end=end, bucket=bucket)
    if rule == "negative_share":
        verdicts = share_rise(frame["negative"], frame["scored"], params, tz)
    else:
        verdicts = count_spike(frame["total" if rule == "volume_spike" else "negative"], params, tz)
    stamps = [t.isoformat().replace("+00:00", "Z") for t in frame.index]
    return alerts_of(verdicts, lambda i: stamps[i]), len(verdicts)


def _until(value: str) -> datetime:
    try:
        return parse_time(value)
    except ValueError:
        raise ConfigError(f"--until: not an ISO 8601 time: {value!r}") from None


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 4)


def render_table(alerts: list[Alert], *, buckets: int, what: str) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{what}: {len(alerts)} alert{'s' if len(alerts) != 1 else ''} over {buckets:,} buckets"
    )
    for col in ("fired at", "observed", "expected", "statistic", "resolved at"):
        table.add_column(col, justify="right" if col in {"observed", "expected"} else "left")
    for a in alerts:
        observed = f"{a.observed:.0%}" if what.endswith("negative_share") else f"{_number(a.observed)}"
        expected = f"{a.expected:.0%}" if what.endswith("negative_share") else f"{a.expected:.1f}"
        table.add_row(a.timestamp, observed, expected, a.statistic, a.resolved or "(still firing)")
    console = Console(highlight=False, markup=False, width=120, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text()


@click.command("backtest")
@click.argument("series", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--brand", help="backtest stored mentions of this brand (instead of a CSV)")
@click.option(
    "--rule",
    type=click.Choice(RULES),
    default="negative_spike",
    show_default=True,
    help="with --brand: which spike rule",
)
@click.option(
    "--days",
    type=click.FloatRange(min=0, min_open=True),
    default=90,
    show_default=True,
    help="with --brand: how much history",
)
@click.option(
    "--until",
    help="with --brand: judge the buckets before this ISO 8601 time (default: now; never the open bucket)",
)
@format_option("table", "json")
@click.pass_obj
def backtest_command(
    app: App, series: Path | None, brand: str | None, rule: Rule, days: float, until: str | None, fmt: str
) -> int:
    """Print the alerts a spike rule would have raised: the volume-spike rule over a `timestamp,value`
    CSV (SERIES), or a rule over the stored mentions of --brand (the `[detection]` parameters)."""
    settings = app.settings
    params = settings.detection.to_params()
    if (series is None) == (brand is None):
        raise ConfigError("backtest: give either a SERIES.csv or --brand (not both)")
    if series is not None:
        alerts, buckets = backtest_csv(series, params, settings.timezone)
        what = f"{series.name}: volume_spike"
    else:
        assert brand is not None
        settings.brand(brand)
        alerts, buckets = backtest_store(
            app.store,
            brand,
            rule,
            days=days,
            bucket=settings.detection.bucket,
            params=params,
            tz=settings.timezone,
            clock=SystemClock() if until is None else FixedClock(_until(until)),
        )
        what = f"{brand}: {rule}"
    if fmt == "json":
        click.echo(json.dumps({"alerts": [a.as_json() for a in alerts]}, indent=2))
    else:
        click.echo(render_table(alerts, buckets=buckets, what=what), nl=False)
    return 0
