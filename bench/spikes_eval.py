"""NAB score of the volume-spike rule with its DEFAULT parameters, through `monitor backtest`.

    .venv/bin/python bench/spikes_eval.py [--data ../shared/data/spikes] [--keep]

For every series named in the benchmark's windows.json (NAB realTweets: Twitter mentions per
5 minutes), runs `monitor --config settings.toml backtest SERIES.csv --format json` as a child
process, with a settings.toml that has no `[detection]` section (so every parameter is its
default: one set for all series, no per-series tuning). The alerts' timestamps become the
detections file that ../shared/tools/nab_score.py scores under NAB's three profiles (standard,
reward_low_FP, reward_low_FN). Prints the scorer's per-series table (standard profile) and the
three scores beside the published detectors' (from ../shared/data/spikes/README.md).

Skips with a message (exit status 0) when ../shared is not beside this checkout.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared"
PROFILES = ("standard", "reward_low_FP", "reward_low_FN")
# Published scores on this 5-series subset (../shared/data/spikes/README.md), standard / low FP / low FN.
REFERENCE = {
    "null (no alerts)": (0.00, 0.00, 0.00),
    "Etsy Skyline": (29.38, 38.26, 48.75),
    "rolling robust z-score (baseline)": (48.85, 7.58, 63.82),
    "Twitter ADVec": (59.92, 36.71, 69.11),
    "Numenta HTM": (69.95, 60.11, 75.80),
    "KNN CAD": (70.94, 46.76, 80.62),
    "CAD OSE": (72.77, 70.95, 74.91),
    "ARTime": (80.98, 68.57, 87.32),
}


def monitor_command() -> list[str]:
    script = Path(sys.executable).with_name("monitor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor"]


def run_backtests(data: Path, windows: dict[str, list], workdir: Path) -> dict[str, list[str]]:
    settings = workdir / "settings.toml"
    # Defaults everywhere: no [detection] section. The CSV form never opens the store.
    settings.write_text(
        '[storage]\nurl = "sqlite:///unused.db"\n\n[[brands]]\nname = "bench"\nquery = "bench"\n',
        encoding="utf-8",
    )
    detections: dict[str, list[str]] = {}
    for key in sorted(windows):
        name = Path(key).name
        proc = subprocess.run(
            [*monitor_command(), "--config", str(settings), "backtest", str(data / name), "--format", "json"],
            capture_output=True,
            text=True,
            cwd=workdir,
        )
        if proc.returncode != 0:
            sys.exit(f"monitor backtest {name} failed ({proc.returncode}):\n{proc.stderr}")
        detections[name] = [a["timestamp"] for a in json.loads(proc.stdout)["alerts"]]
    return detections


def score(data: Path, scorer: Path, detections_file: Path, profile: str) -> tuple[float, list[dict]]:
    """The normalized score of one profile, and the scorer's per-series results."""
    results = detections_file.with_name(f"scores_{profile}.json")
    proc = subprocess.run(
        [
            sys.executable,
            str(scorer),
            "--data",
            str(data),
            "--windows",
            str(data / "windows.json"),
            "--detections",
            str(detections_file),
            "--profile",
            profile,
            "--json-out",
            str(results),
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.exit(f"nab_score.py failed:\n{proc.stderr}")
    match = re.search(r"NAB \S+ score: (-?[\d.]+)\s*$", proc.stdout)
    if not match:
        sys.exit(f"unexpected nab_score.py output:\n{proc.stdout}")
    return float(match.group(1)), json.loads(results.read_text(encoding="utf-8"))["files"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=SHARED / "data" / "spikes", help="NAB series + windows.json")
    ap.add_argument("--scorer", type=Path, default=SHARED / "tools" / "nab_score.py", help="nab_score.py")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (settings, detections)")
    args = ap.parse_args(argv)
    for path in (args.data / "windows.json", args.scorer):
        if not path.exists():
            print(
                f"spikes_eval: skipped: {path} not found (the shared data folder is not beside this checkout)"
            )
            return 0

    from analysis.spikes import SpikeParams
    from monitor.config.durations import format_duration

    windows = json.loads((args.data / "windows.json").read_text(encoding="utf-8"))
    workdir = Path(tempfile.mkdtemp(prefix="spikes_eval_"))
    started = time.perf_counter()
    detections = run_backtests(args.data, windows, workdir)
    elapsed = time.perf_counter() - started
    detections_file = workdir / "detections.json"
    detections_file.write_text(json.dumps(detections, indent=1), encoding="utf-8")

    params = {
        k: format_duration(v) if isinstance(v, timedelta) else str(v)
        for k, v in asdict(SpikeParams()).items()
    }
    print("default parameters: " + ", ".join(f"{k}={v}" for k, v in params.items()))
    print(f"monitor backtest on {len(detections)} series: {elapsed:.1f} s, "
          f"{sum(map(len, detections.values()))} alerts")  # fmt: skip
    ours: dict[str, float] = {}
    per_file: dict[str, list[dict]] = {}
    for profile in PROFILES:
        ours[profile], per_file[profile] = score(args.data, args.scorer, detections_file, profile)
    # Per series: windows hit, alerts after NAB's probationary rows, false positives among them,
    # and the raw score under each profile (a hit is worth up to 1, a miss -1 (-2 for low FN), a
    # false positive up to -0.11 (-0.22 for low FP)).
    print()
    print(f"{'series':28s} {'windows':>7s} {'hit':>4s} {'alerts':>6s} {'fp':>4s} "
          f"{'raw std':>8s} {'low FP':>8s} {'low FN':>8s}")  # fmt: skip
    for i, row in enumerate(per_file["standard"]):
        raws = " ".join(f"{per_file[p][i]['raw']:8.3f}" for p in PROFILES)
        alerts = row["alerts"] - row["alerts_in_probation"]
        counts = f"{row['windows']:7d} {row['windows_hit']:4d} {alerts:6d} {row['fp_alerts']:4d}"
        print(f"{row['file']:28s} {counts} {raws}")
    print()
    print(f"{'detector':36s} {'standard':>9s} {'low FP':>9s} {'low FN':>9s}")
    print(f"{'this monitor (defaults)':36s} " + " ".join(f"{ours[p]:9.2f}" for p in PROFILES))
    for name, values in REFERENCE.items():
        print(f"{name:36s} " + " ".join(f"{v:9.2f}" for v in values))
    if args.keep:
        print(f"\nwork dir kept: {workdir}")
    else:
        for f in workdir.iterdir():
            f.unlink()
        workdir.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
