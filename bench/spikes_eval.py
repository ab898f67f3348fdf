"""Validation of the spike detector that does not tune to one set (docs/alerts.md "Validation").

    .venv/bin/python bench/spikes_eval.py [--parts nab,loso,synthetic] [--jobs 2]

Three parts, each printed as a table:

nab        The NAB figures exactly as an outside check produces them: for every series of
           ../shared/data/spikes (5 realTweets) and ../shared/data/spikes-extra (6 count-like
           series), `monitor --config settings.toml backtest FILE --format json` run as a child
           process from the repository root with the BUNDLED settings.toml (its `[detection]`
           section holds the documented defaults; its timezone applies). The alerts' timestamps are
           scored by ../shared/tools/nab_score.py (its score_corpus, the code its CLI runs) under
           the standard, reward_low_FP and reward_low_FN profiles; a 95% bootstrap interval
           resamples whole series (2000 draws, seed 0).
loso       Leave-one-series-out over all 11 dev series: for each held-out series every tuned
           parameter (GRID below) is chosen by this code, as the best pooled standard score on the
           other 10 series; the held-out series is then run with that choice. The pooled held-out
           detections are scored per set (realTweets, extra) and over all 11. Parameters outside
           GRID are fixed from product requirements (docs/alerts.md), false_alerts_per_week first.
synthetic  Injection suite, protocol fixed before any result was seen (docs/alerts.md): seed 0;
           events start every 3.5 days after the first 750 rows (plus a seeded 0-6 h jitter, whole minutes, so
           they meet different hours of the day), skipping slots whose event (+1 h) overlaps a NAB
           window; a burst at Mx sets counts to M x (trailing one-day median + 1) per bucket; a
           level shift at Mx multiplies counts by M. Detected = an alert between the event's start
           and one hour after its end. False alerts = alerts after the first 750 rows outside
           injected events (+1 h) and NAB windows, per series-week; on uninjected data too.
tails      (only when asked) A diagnostic, no score: q98 and q99.5 of the 30-minute excess D on the
           5 realTweets series under the shipped baseline and three alternatives (a fast local
           level x the seasonal profile; log(count+1); the median of the same slot over 7 days).

The detector runs in-process for loso and synthetic (monitor.alerting.backtest.backtest_csv's own code:
read_series_csv + count_spike with the bundled settings' timezone).

Fails with one line naming the folder when ../shared is not beside this checkout.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared"
SETS = {"realTweets (dev)": SHARED / "data" / "spikes", "spikes-extra": SHARED / "data" / "spikes-extra"}
SCORER = SHARED / "tools" / "nab_score.py"
PROFILES = ("standard", "reward_low_FP", "reward_low_FN")
PROBATION = 750  # NAB's probationary rows (min(15% of rows, 750); all series here have >= 5000 rows)

# The LOSO grid: lifecycle parameters that are not product requirements (the defaults are in it).
# `quiet` (8 h) is a product requirement (a night's lull must not split an incident) and is not in it.
GRID: dict[str, list[Any]] = {
    "hold": [1.0, 2.0, 4.0],
    "resolve": [2.0, 2.5],
}

# Synthetic shapes: (kind, duration, multiplier). Fixed with the protocol, before any result.
SHAPES: list[tuple[str, timedelta, float]] = [
    ("burst", timedelta(minutes=15), 20.0),
    ("burst", timedelta(minutes=30), 2.0),
    ("burst", timedelta(minutes=30), 5.0),
    ("burst", timedelta(minutes=30), 10.0),
    ("burst", timedelta(hours=2), 5.0),
    ("shift", timedelta(hours=2), 4.0),
    ("shift", timedelta(hours=4), 1.5),
    ("shift", timedelta(hours=4), 2.0),
    ("shift", timedelta(hours=4), 3.0),
    ("shift", timedelta(days=1), 1.5),
    ("shift", timedelta(days=1), 2.0),
]


def need_shared() -> None:
    for path in (*SETS.values(), SCORER):
        if not path.exists():
            sys.exit(
                f"spikes_eval: {path} not found: ../shared (the shared data) must be beside this checkout"
            )


def nab_module() -> Any:
    spec = importlib.util.spec_from_file_location("nab_score", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def windows_of(data: Path) -> dict[str, list[list[str]]]:
    return {
        Path(k).name: v for k, v in json.loads((data / "windows.json").read_text(encoding="utf-8")).items()
    }


def score(
    data: Path, detections: dict[str, list[str]], profile: str = "standard"
) -> tuple[float, list[dict]]:
    nab = nab_module()
    files, total = nab.score_corpus(
        str(data), json.loads((data / "windows.json").read_text(encoding="utf-8")), profile,
        files=sorted(detections), detections=detections, warn=lambda _m: None,
    )  # fmt: skip
    return total["score"], files


def pooled(rows: list[dict]) -> float:
    raw, null, perfect = (sum(r[k] for r in rows) for k in ("raw", "null", "perfect"))
    return 100.0 * (raw - null) / (perfect - null)


def bootstrap(rows: list[dict], draws: int = 2000) -> tuple[float, float]:
    import numpy as np

    rng = np.random.default_rng(0)
    values = []
    for _ in range(draws):
        pick = [rows[i] for i in rng.integers(0, len(rows), len(rows))]
        if sum(r["perfect"] - r["null"] for r in pick) > 0:
            values.append(pooled(pick))
    lo, hi = np.percentile(values, [2.5, 97.5])
    return float(lo), float(hi)


# -- nab: the outside check ------------------------------------------------------------------------


def monitor_command() -> list[str]:
    script = Path(sys.executable).with_name("monitor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor"]


def cli_detections(data: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in sorted(windows_of(data)):
        cmd = [
            *monitor_command(),
            "--config",
            "settings.toml",
            "backtest",
            str(data / name),
            "--format",
            "json",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            sys.exit(f"monitor backtest {name} failed ({proc.returncode}):\n{proc.stderr}")
        out[name] = [a["timestamp"] for a in json.loads(proc.stdout)["alerts"]]
    return out


def part_nab() -> dict[str, Any]:
    print("== NAB, shipped defaults, `monitor --config settings.toml backtest FILE --format json` ==")
    all_rows: list[dict] = []
    result: dict[str, Any] = {}
    for label, data in SETS.items():
        started = time.perf_counter()
        detections = cli_detections(data)
        elapsed = time.perf_counter() - started
        scores = {p: score(data, detections, p) for p in PROFILES}
        rows = scores["standard"][1]
        all_rows.extend(rows)
        lo, hi = bootstrap(rows)
        print(f"\n{label}: {len(rows)} series, {elapsed:.1f} s")
        print("| series | windows | hit | alerts after probation | false | raw standard |")
        print("|---|---:|---:|---:|---:|---:|")
        for r in rows:
            alerts = r["alerts"] - r["alerts_in_probation"]
            cells = (r["file"], r["windows"], r["windows_hit"], alerts, r["fp_alerts"], f"{r['raw']:.3f}")
            print("| " + " | ".join(str(c) for c in cells) + " |")
        std, low_fp, low_fn = (scores[p][0] for p in PROFILES)
        print(f"| **score** standard {std:.1f} [95% bootstrap over series {lo:.1f}, {hi:.1f}] | "
              f"reward_low_FP {low_fp:.1f} | reward_low_FN {low_fn:.1f} |")  # fmt: skip
        result[label] = {"standard": std, "interval": (lo, hi), "low_FP": low_fp, "low_FN": low_fn}
    lo, hi = bootstrap(all_rows)
    print(f"\nall 11 series pooled: standard {pooled(all_rows):.1f} [95% {lo:.1f}, {hi:.1f}]")
    return result


# -- loso --------------------------------------------------------------------------------------------


def _detect(job: tuple[Path, dict[str, Any]]) -> list[str]:
    from zoneinfo import ZoneInfo

    from analysis.spikes.params import SpikeParams
    from monitor.alerting.backtest import backtest_csv

    path, overrides = job
    alerts, _ = backtest_csv(path, replace(SpikeParams(), **overrides), ZoneInfo(bundled_timezone()))
    return [a.timestamp for a in alerts]


def bundled_timezone() -> str:
    import tomllib

    return tomllib.loads((ROOT / "settings.toml").read_text(encoding="utf-8")).get("timezone", "UTC")


def part_loso(jobs: int) -> dict[str, Any]:
    print("\n== Leave-one-series-out over the 11 dev series ==")
    series = [(label, data, name) for label, data in SETS.items() for name in sorted(windows_of(data))]
    configs = [dict(zip(GRID, values, strict=True)) for values in itertools.product(*GRID.values())]
    print(f"grid: {len(configs)} configurations of {', '.join(GRID)}; {len(series)} series")
    work = [(data / name, cfg) for cfg in configs for _, data, name in series]
    started = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        found = list(pool.map(_detect, work, chunksize=1))
    print(f"detector runs: {len(work)} in {time.perf_counter() - started:.0f} s")
    # rows[c][s]: the scorer's per-series result of config c on series s
    rows: list[list[dict]] = []
    for c in range(len(configs)):
        per: list[dict] = []
        for s, (_, data, name) in enumerate(series):
            per.append(score(data, {name: found[c * len(series) + s]})[1][0])
        rows.append(per)
    held: list[dict] = []
    print("| held-out series | chosen on the other 10 | held-out raw |")
    print("|---|---|---:|")
    for s, (label, _, name) in enumerate(series):
        best = max(
            range(len(configs)), key=lambda c: (pooled([r for i, r in enumerate(rows[c]) if i != s]), -c)
        )
        held.append({**rows[best][s], "set": label})
        chosen = ", ".join(f"{k}={_fmt(v)}" for k, v in configs[best].items())
        print(f"| {name} | {chosen} | {rows[best][s]['raw']:.3f} |")
    out: dict[str, Any] = {}
    for label in (*SETS, "all 11"):
        part = [r for r in held if label == "all 11" or r["set"] == label]
        lo, hi = bootstrap(part)
        out[label] = pooled(part)
        print(f"LOSO pooled standard, {label}: {pooled(part):.1f} [95% bootstrap {lo:.1f}, {hi:.1f}]")
    default = next(c for c, cfg in enumerate(configs) if all(cfg[k] == getattr(_defaults(), k) for k in GRID))
    for label in SETS:
        part = [r for r, (lab, _, _) in zip(rows[default], series, strict=True) if lab == label]
        print(f"(defaults on {label}, same in-process path: {pooled(part):.1f})")
    return out


def _defaults() -> Any:
    from analysis.spikes.params import SpikeParams

    return SpikeParams()


def _fmt(v: object) -> str:
    if isinstance(v, timedelta):
        from monitor.config.durations import format_duration

        return format_duration(v)
    return str(v)


# -- synthetic ---------------------------------------------------------------------------------------


def _events(
    values: Any, windows: list[tuple[Any, Any]], shape: tuple[str, timedelta, float]
) -> list[tuple[int, int]]:
    """Row ranges [i, j) of the events of one shape in one series (same slots for every shape)."""
    import numpy as np
    import pandas as pd

    index = values.index
    rng = np.random.default_rng(0)
    out = []
    t = index[PROBATION]
    duration = pd.Timedelta(shape[1])
    while True:
        start = t + pd.Timedelta(minutes=int(rng.integers(0, 360)))
        end = start + duration
        if end + pd.Timedelta(hours=1) > index[-1]:
            break
        clash = any(start <= b and a <= end + pd.Timedelta(hours=1) for a, b in windows)
        if not clash:
            out.append((int(index.searchsorted(start)), int(index.searchsorted(end))))
        t += pd.Timedelta(days=3.5)
    return out


def inject(values: Any, events: list[tuple[int, int]], shape: tuple[str, timedelta, float]) -> Any:
    kind, _, m = shape
    out = values.copy()
    median = values.rolling("1D", closed="left").median().fillna(0.0)
    for i, j in events:
        if kind == "burst":
            out.iloc[i:j] = m * (median.iloc[i:j].to_numpy() + 1.0)
        else:
            out.iloc[i:j] = m * values.iloc[i:j].to_numpy()
    return out


def _synthetic_one(job: tuple[Path, int | None]) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    import pandas as pd

    from analysis.spikes.detector import count_spike
    from analysis.spikes.params import SpikeParams
    from monitor.alerting.backtest import read_series_csv

    path, shape_i = job
    series = read_series_csv(path).values
    windows = [
        (pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC")) for a, b in windows_of(path.parent)[path.name]
    ]
    events: list[tuple[int, int]] = []
    if shape_i is not None:
        shape = SHAPES[shape_i]
        events = _events(series, windows, shape)
        series = inject(series, events, shape)
    verdicts = count_spike(series, SpikeParams(), ZoneInfo(bundled_timezone()))
    fires = [i for i, v in enumerate(verdicts) if v.event == "fire" and i >= PROBATION]
    index = series.index
    hour = pd.Timedelta(hours=1)
    spans = [(index[i], index[min(j, len(index) - 1)] + hour) for i, j in events]
    detected = sum(any(a <= index[f] <= b for f in fires) for a, b in spans)
    false = sum(
        not any(a <= index[f] <= b for a, b in spans) and not any(a <= index[f] <= b for a, b in windows)
        for f in fires
    )
    weeks = (index[-1] - index[PROBATION]) / pd.Timedelta(days=7)
    return {"events": len(events), "detected": detected, "false": false, "weeks": weeks}


def part_synthetic(jobs: int, shapes: list[int] | None = None) -> dict[str, Any]:
    print("\n== Synthetic injection suite (seed 0, shipped defaults) ==")
    paths = [(label, data / name) for label, data in SETS.items() for name in sorted(windows_of(data))]
    chosen: list[int | None] = [None, *range(len(SHAPES))] if shapes is None else [*shapes]
    work = [(p, s) for s in chosen for _, p in paths]
    started = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        found = list(pool.map(_synthetic_one, work, chunksize=1))
    print(f"detector runs: {len(work)} in {time.perf_counter() - started:.0f} s")
    labels = [label for label, _ in paths]
    out: dict[str, Any] = {}
    print("| shape | recall realTweets | recall extra | recall all | false alerts / series-week (all) |")
    print("|---|---:|---:|---:|---:|")
    for n, s in enumerate(chosen):
        block = found[n * len(paths) : (n + 1) * len(paths)]

        def recall(rows: list[dict]) -> str:
            n = sum(r["events"] for r in rows)
            return (
                f"{100 * sum(r['detected'] for r in rows) / n:.0f}% ({sum(r['detected'] for r in rows)}/{n})"
                if n
                else "-"
            )

        tweets = [r for r, lab in zip(block, labels, strict=True) if lab.startswith("realTweets")]
        extra = [r for r, lab in zip(block, labels, strict=True) if not lab.startswith("realTweets")]
        fa = sum(r["false"] for r in block) / sum(r["weeks"] for r in block)
        worst = max(r["false"] / r["weeks"] for r in block)
        if s is None:
            name = "none (uninjected)"
            print(f"| {name} | - | - | - | {fa:.2f} (worst series {worst:.2f}) |")
            out[name] = {"false_per_week": fa, "worst": worst}
        else:
            kind, dur, m = SHAPES[s]
            name = f"{kind} {_fmt(dur)} at {m:g}x"
            print(f"| {name} | {recall(tweets)} | {recall(extra)} | {recall(block)} | {fa:.2f} |")
            out[name] = {
                "recall": sum(r["detected"] for r in block) / max(1, sum(r["events"] for r in block))
            }
    return out


def _tail_quantiles(path: Path) -> dict[str, tuple[float, float]]:
    """q98 and q99.5 of the 30-minute excess D under the shipped baseline and three alternatives."""
    from zoneinfo import ZoneInfo

    import numpy as np
    import pandas as pd

    from analysis.spikes._baseline import Baseline, anscombe, from_anscombe
    from analysis.spikes.params import SpikeParams
    from monitor.alerting.backtest import read_series_csv

    series = read_series_csv(path).values
    bucket = timedelta(minutes=5)
    values = series.to_numpy(dtype=float)
    local = series.index.tz_convert(ZoneInfo(bundled_timezone()))
    baseline = Baseline(SpikeParams(), bucket)
    shipped = np.zeros(len(values))
    fast = np.zeros(len(values))
    level: float | None = None  # (a) the seasonal profile times a 3-hour robust EWMA level
    alpha = 1.0 - 0.5 ** (5 / 180)
    for t, (v, h, d) in enumerate(zip(values, local.hour, local.day_of_week, strict=True)):
        shipped[t] = baseline.expected(h, d) if baseline.level is not None else v
        factor = baseline.hours.values[h] * baseline.days.values[d]
        level = v / factor if level is None else level
        fast[t] = level * factor
        resid = max(-3.0, min(3.0, anscombe(v) - anscombe(fast[t])))
        level += alpha * (from_anscombe(anscombe(fast[t]) + resid) / factor - level)
        baseline.learn(v, shipped[t], h, d, bucket, 1.0)
    per_day = 288
    observed = pd.Series(values).rolling(6, min_periods=1).sum()
    week_ago = np.stack([observed.shift(per_day * j).to_numpy() for j in range(1, 8)])
    ans = np.vectorize(anscombe)
    keep = slice(max(PROBATION, 7 * per_day), None)  # every statistic has a week of history
    out: dict[str, tuple[float, float]] = {}
    candidates = {
        "shipped": pd.Series(shipped).rolling(6, min_periods=1).sum().to_numpy(),
        "(a) fast level": pd.Series(fast).rolling(6, min_periods=1).sum().to_numpy(),
        "(c) 7-day slot median": np.median(np.nan_to_num(week_ago), axis=0),
    }
    for name, expected in candidates.items():
        excess = (ans(observed.to_numpy()) - ans(expected))[keep]
        out[name] = (float(np.percentile(excess, 98)), float(np.percentile(excess, 99.5)))
    # (b) multiplicative: log(count + 1) residuals in units of their robust (IQR) sigma; the
    # shipped D in the same units for comparison (the scales differ, the tail shapes compare).
    for name, f in (("(b) log, IQR units", np.log1p), ("shipped, IQR units", ans)):
        excess = (f(observed.to_numpy()) - f(candidates["shipped"]))[keep]
        sigma = (np.percentile(excess, 75) - np.percentile(excess, 25)) / 1.349
        out[name] = (float(np.percentile(excess, 98) / sigma), float(np.percentile(excess, 99.5) / sigma))
    return out


def part_tails() -> dict[str, Any]:
    """Is the heavy 30-minute tail baseline error? Its quantiles under alternative baselines."""
    print("\n== 30-minute excess tails under alternative baselines (realTweets dev) ==")
    out: dict[str, Any] = {}
    print("| series | baseline | q98 | q99.5 |")
    print("|---|---|---:|---:|")
    for name in sorted(windows_of(SETS["realTweets (dev)"])):
        found = _tail_quantiles(SETS["realTweets (dev)"] / name)
        out[name] = found
        for base, (q98, q995) in found.items():
            print(f"| {name} | {base} | {q98:.1f} | {q995:.1f} |")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--parts", default="nab,loso,synthetic", help="comma-separated: nab, loso, synthetic, tails"
    )
    ap.add_argument("--jobs", type=int, default=2, help="processes for loso and synthetic")
    ap.add_argument(
        "--shapes", default=None,
        help="synthetic subset: comma-separated shape numbers (0-based, SHAPES), 'none' = uninjected",
    )  # fmt: skip
    args = ap.parse_args(argv)
    shapes = None
    if args.shapes:
        shapes = [None if x == "none" else int(x) for x in args.shapes.split(",")]
    need_shared()
    parts = args.parts.split(",")
    print("defaults: " + ", ".join(f"{k}={_fmt(v)}" for k, v in asdict(_defaults()).items()))
    if "nab" in parts:
        part_nab()
    if "loso" in parts:
        part_loso(args.jobs)
    if "synthetic" in parts:
        part_synthetic(args.jobs, shapes)
    if "tails" in parts:
        part_tails()
    return 0


if __name__ == "__main__":
    sys.exit(main())
