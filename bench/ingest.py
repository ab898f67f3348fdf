"""Ingest throughput of `monitor import`, as a ratio against plain vaderSentiment scoring.

The machine this runs on is shared and noisy, so an absolute "mentions per second" says little
from one run to the next. Both numbers are therefore measured in the same run, on the same
texts, and the headline is their ratio: how much of VADER's raw speed survives the whole import
path (reading, parsing, brand handling, dedupe, scoring, SQLite writes, process start-up).

Steps: generate N mentions with ../shared/tools/make_mentions.py, import them with the
`monitor` console script in a child process (wall clock; memory of the child AND of the scoring
pool's processes, see below), time `SentimentIntensityAnalyzer.polarity_scores` over the same texts
in this process, then check a random sample of stored rows against VADER exactly. Exit status: 0 ok
(or skipped), 1 when the import fails or stores anything wrong, 2 for bad arguments.

Memory: the import's scoring workers are not children of the `monitor` process (the fork server
forks them), so the child's own peak RSS (os.wait4) misses them. A sampler thread walks the whole
process tree every 0.1 s with psutil and records the peak of the summed RSS (an upper bound: pages
the workers share with the fork server count once per process), the peak of the summed PSS (shared
pages split between their sharers: what the tree really holds), and each process's own peak RSS.
The child's exact peak still comes from wait4. Unix only (os.wait4, /proc through psutil).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MAKE_MENTIONS = SHARED / "tools" / "make_mentions.py"
BRAND = "acme"
LABEL_THRESHOLD = 0.05  # VADER's recommended cut-off; restated here so the check is independent
SAMPLE_SIZE = 2000
SQL_CHUNK = 500  # bound parameters per IN (...) query, far below SQLite's limit
# `monitor import` ends with e.g. "200,000 rows read: 200,000 stored, 0 duplicate, ..."
SUMMARY = re.compile(r"([\d,]+) rows read: ([\d,]+) stored")
OWN_FILES = (
    "mentions.jsonl",
    "settings.toml",
    "bench.db",
    "bench.db-wal",
    "bench.db-shm",
    "bench.db.lock",
    "import.stdout",
    "import.stderr",
)


class BenchFailure(Exception):
    """The product did something wrong (or could not run): reported and exit status 1."""


@dataclass
class TreeMemory:
    """Memory of the import's process tree, sampled (see the module docstring). MB = 2**20 bytes."""

    peak_sum_rss_mb: float = 0.0  # max over samples of the summed RSS of every process in the tree
    peak_sum_pss_mb: float = 0.0  # the same with PSS (shared pages divided among their sharers)
    fork_server_peak_rss_mb: float = 0.0
    worker_peak_rss_mb: list[float] = field(default_factory=list)  # one per scoring worker seen
    other_peak_rss_mb: float = 0.0  # e.g. multiprocessing's resource tracker
    parent_sampled_peak_rss_mb: float = 0.0
    samples: int = 0


class TreeSampler(threading.Thread):
    """Samples the RSS and PSS of a process and all its descendants until stopped.

    Kept cheap, since it shares the machine with what it measures: RSS (from /proc/PID/statm) every
    `every` seconds, the list of descendants (a scan of /proc) every 5 samples and PSS (from
    /proc/PID/smaps_rollup, a walk of every mapping) every 10 samples. The sampled peaks are lower
    bounds of the true peaks: a spike shorter than the interval can be missed.
    """

    def __init__(self, pid: int, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.result = TreeMemory()
        self.peaks: dict[int, float] = {}
        self.roles: dict[int, str] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        procs = [root]
        tick = 0
        while not self.stop.is_set():
            if tick % 5 == 0:
                try:
                    procs = [root, *root.children(recursive=True)]
                except psutil.NoSuchProcess:
                    break
            with_pss = tick % 10 == 0
            tick += 1
            total_rss = total_pss = 0
            for proc in procs:
                try:
                    if proc.pid not in self.roles:
                        self.roles[proc.pid] = self._role(proc, root)
                    if with_pss:
                        full = proc.memory_full_info()
                        rss, pss = full.rss, getattr(full, "pss", full.rss)
                    else:
                        rss, pss = proc.memory_info().rss, 0
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                total_rss += rss
                total_pss += pss
                self.peaks[proc.pid] = max(self.peaks.get(proc.pid, 0.0), rss / 2**20)
            r = self.result
            r.samples += 1
            r.peak_sum_rss_mb = max(r.peak_sum_rss_mb, total_rss / 2**20)
            if with_pss:
                r.peak_sum_pss_mb = max(r.peak_sum_pss_mb, total_pss / 2**20)
            self.stop.wait(self.every)

    @staticmethod
    def _role(proc: Any, root: Any) -> str:
        if proc.pid == root.pid:
            return "parent"
        cmdline = " ".join(proc.cmdline())
        if "resource_tracker" in cmdline:
            return "other"
        if "forkserver" in cmdline:  # workers are forked from the server, so they share its cmdline
            return "fork server" if proc.ppid() == root.pid else "worker"
        return "other"

    def finish(self) -> TreeMemory:
        self.stop.set()
        self.join()
        r = self.result
        for pid, peak in self.peaks.items():
            role = self.roles.get(pid, "other")
            if role == "parent":
                r.parent_sampled_peak_rss_mb = peak
            elif role == "fork server":
                r.fork_server_peak_rss_mb = max(r.fork_server_peak_rss_mb, peak)
            elif role == "worker":
                r.worker_peak_rss_mb.append(round(peak, 1))
            else:
                r.other_peak_rss_mb = max(r.other_peak_rss_mb, peak)
        return r


@dataclass
class ImportRun:
    seconds: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    tree: TreeMemory | None = None


@dataclass
class Result:
    n: int
    import_per_s: float
    plain_per_s: float | None  # None with --no-baseline
    ratio: float | None
    import_peak_rss_mb: float  # the `monitor` process alone (wait4, exact)
    import_wall_s: float
    plain_wall_s: float | None
    repeat: int
    verified_sample: int
    tree: TreeMemory | None  # the whole process tree, sampled (None without psutil)
    # --rounds: each round imports into a fresh database, then times the plain loop; the headline
    # figures above are the median round's (by ratio), the memory the largest round's.
    rounds: list[dict[str, float | None]] = field(default_factory=list)


def log(message: str) -> None:
    # Progress goes to stderr so that `--json` leaves stdout as exactly one JSON document.
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=200_000, help="mentions to generate and import (default 200000)")
    p.add_argument("--workdir", type=Path, help="directory for generated files (default: a new temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (always kept with --workdir)")
    p.add_argument("--repeat", type=int, default=1, help="baseline runs; the best is used (default 1)")
    p.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="import + baseline pairs, alternated; the median ratio is reported (default 1)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for choosing the verified sample")
    p.add_argument("--json", action="store_true", help="print the result as JSON instead of a table")
    p.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the plain polarity_scores timing (for memory runs at large N)",
    )
    args = p.parse_args(argv)
    if args.n < 1:
        p.error("--n must be at least 1")
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    return args


def toml_string(value: str) -> str:
    # JSON string escapes (\", \\, \uXXXX) are all valid TOML basic-string escapes.
    return json.dumps(value)


def write_settings(workdir: Path, db: Path) -> Path:
    """The smallest settings the import needs: one brand, no sources, a private database."""
    settings = workdir / "settings.toml"
    settings.write_text(
        'timezone = "UTC"\n\n'
        "[storage]\n"
        f"url = {toml_string(f'sqlite:///{db}')}\n\n"
        "[[brands]]\n"
        f"name = {toml_string(BRAND)}\n"
        f"query = {toml_string(BRAND)}\n",
        encoding="utf-8",
    )
    return settings


def generate(n: int, out: Path) -> None:
    subprocess.run([sys.executable, str(MAKE_MENTIONS), str(n), str(out)], check=True)


def read_texts(path: Path) -> list[tuple[str, str]]:
    """(id, text) in file order: the baseline scores exactly what the import was given."""
    rows: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                rows.append((str(obj["id"]), obj["text"]))
    return rows


def run_import(monitor: Path, settings: Path, mentions: Path, workdir: Path) -> ImportRun:
    """Run `monitor import` and measure wall clock plus the peak RSS of that one child.

    The child's output goes to files, not pipes: nothing reads a pipe while we block in wait4,
    so a chatty child could otherwise fill the pipe buffer and deadlock.
    """
    cmd = [str(monitor), "--config", str(settings), "--log-level", "WARNING", "import", str(mentions)]
    out_path, err_path = workdir / "import.stdout", workdir / "import.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        sampler = _start_sampler(proc.pid)
        # wait4 on this pid gives this child's own rusage; RUSAGE_CHILDREN would also count
        # make_mentions.py and anything else this process has waited for, and it reports the
        # largest of the children's peaks, not their sum.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        tree = sampler.finish() if sampler is not None else None
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by hand; tell Popen so it won't
    # ru_maxrss is KiB on Linux but bytes on macOS.
    rss_kib = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        raise BenchFailure(
            f"`{' '.join(cmd)}` exited with status {proc.returncode}\n"
            f"--- stdout ---\n{stdout}--- stderr ---\n{stderr}"
        )
    return ImportRun(seconds, rss_kib / 1024, stdout, stderr, tree)


def _start_sampler(pid: int) -> TreeSampler | None:
    try:
        import psutil  # noqa: F401  (the `bench` extra)
    except ImportError:
        log("psutil missing (pip install -e '.[bench]'): only the monitor process's own peak is measured")
        return None
    sampler = TreeSampler(pid)
    sampler.start()
    return sampler


def check_summary(run: ImportRun, n: int) -> None:
    match = SUMMARY.search(run.stdout)
    if match is None:
        raise BenchFailure(
            f"no summary line in the import's output\n--- stdout ---\n{run.stdout}"
            f"--- stderr ---\n{run.stderr}"
        )
    rows, stored = (int(g.replace(",", "")) for g in match.groups())
    if rows != n or stored != n:
        raise BenchFailure(
            f"expected {n:,} rows read and {n:,} stored, the import said: {match.group(0)!r}\n"
            f"--- stdout ---\n{run.stdout}--- stderr ---\n{run.stderr}"
        )


def time_baseline(texts: Sequence[str], repeat: int) -> float:
    """Best wall time of a bare polarity_scores loop.

    The analyzer is built outside the timed part (its lexicon load is a one-off), and the texts
    are already parsed, so only scoring is timed. Best-of-K because noise only ever adds time.
    """
    analyzer = SentimentIntensityAnalyzer()
    score = analyzer.polarity_scores
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            score(text)
        best = min(best, time.perf_counter() - start)
    return best


def label_for(compound: float) -> str:
    if compound >= LABEL_THRESHOLD:
        return "positive"
    if compound <= -LABEL_THRESHOLD:
        return "negative"
    return "neutral"


def verify(db: Path, rows: Sequence[tuple[str, str]], seed: int) -> int:
    """Check the row count and, for a seeded random sample, the stored scores and label.

    Scores must equal vaderSentiment's exactly: the product promises VADER unchanged, and
    SQLite REAL round-trips a Python float bit for bit, so any difference is a real one.
    The sample is drawn from the input ids (not ORDER BY RANDOM()) so it is reproducible.
    Returns the number of rows checked.
    """
    n = len(rows)
    given = dict(rows)
    sample = random.Random(seed).sample(sorted(given), min(SAMPLE_SIZE, n))
    analyzer = SentimentIntensityAnalyzer()
    problems: list[str] = []
    # Read-only URI: the checker must never change what it is checking.
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as conn:
        count = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
        if count != n:
            problems.append(f"count(*) = {count:,}, expected {n:,}")
        found: dict[str, tuple[str, float | None, float | None, float | None, float | None, str]] = {}
        unscored_other = 0
        sample_skip: set[str] = set()
        for start in range(0, len(sample), SQL_CHUNK):
            chunk = sample[start : start + SQL_CHUNK]
            marks = ",".join("?" * len(chunk))
            for native_id, text, compound, pos, neu, neg, label, lang in conn.execute(
                "SELECT native_id, text, compound, pos, neu, neg, label, lang FROM mentions "
                f"WHERE native_id IN ({marks})",
                chunk,
            ):
                if native_id in found:
                    problems.append(f"{native_id}: stored more than once")
                if label == "unscored" and lang not in (None, "en"):
                    # Language detection runs (the input has no lang column): a text it reads as
                    # another language is rightly unscored; counted, not compared.
                    unscored_other += 1
                    sample_skip.add(native_id)
                found[native_id] = (text, compound, pos, neu, neg, label)
    for native_id in sample:
        if native_id in sample_skip:
            continue
        if native_id not in found:
            problems.append(f"{native_id}: not stored")
            continue
        text, compound, pos, neu, neg, label = found[native_id]
        if text != given[native_id]:
            problems.append(f"{native_id}: stored text differs from the imported text")
            continue
        expected = analyzer.polarity_scores(text)
        stored = {"compound": compound, "pos": pos, "neu": neu, "neg": neg}
        diffs = [f"{k} {stored[k]!r} != {expected[k]!r}" for k in stored if stored[k] != expected[k]]
        if diffs:
            problems.append(f"{native_id}: {', '.join(diffs)} (label {label!r})")
        elif label != label_for(expected["compound"]):
            problems.append(
                f"{native_id}: label {label!r} but compound {compound!r} means "
                f"{label_for(expected['compound'])!r}"
            )
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise BenchFailure(
            f"stored data does not match vaderSentiment ({len(problems)} problems):\n{shown}{more}"
        )
    if unscored_other:
        print(
            f"  {unscored_other} sampled texts detected as another language: stored unscored, not compared",
            file=sys.stderr,
        )
    return len(sample) - len(sample_skip)


def table(r: Result) -> str:
    lines = [
        f"ingest benchmark, N = {r.n:,} mentions",
        f"  {'import (monitor import, end to end)':<40} {r.import_per_s:>12,.0f} mentions/s  "
        f"{r.import_wall_s:>8.2f} s wall",
    ]
    if r.plain_per_s is not None and r.plain_wall_s is not None and r.ratio is not None:
        lines += [
            f"  {f'plain polarity_scores (best of {r.repeat})':<40} {r.plain_per_s:>12,.0f} texts/s     "
            f"{r.plain_wall_s:>8.2f} s wall",
            f"  {'ratio import/plain':<40} {r.ratio:>12.3f}",
        ]
    if len(r.rounds) > 1:
        lines[1:1] = [f"  median of {len(r.rounds)} rounds (import then plain, each on a fresh database):"]
        each = [f"{x['ratio']:.3f}" if x["ratio"] else f"{x['import_wall_s']:.2f} s" for x in r.rounds]
        lines.append(f"  {'ratio, every round':<40} {', '.join(each)}")
    lines.append(f"  {'peak RSS, monitor process (wait4)':<40} {r.import_peak_rss_mb:>12.1f} MB")
    if r.tree is not None:
        t = r.tree
        workers = ", ".join(f"{w:.1f}" for w in t.worker_peak_rss_mb) or "none"
        lines += [
            f"  {'peak RSS, whole tree (sum, sampled)':<40} {t.peak_sum_rss_mb:>12.1f} MB",
            f"  {'peak PSS, whole tree (sum, sampled)':<40} {t.peak_sum_pss_mb:>12.1f} MB",
            f"    {'fork server peak RSS':<38} {t.fork_server_peak_rss_mb:>12.1f} MB",
            f"    {'each worker peak RSS':<38} {workers:>12} MB",
            f"    {'other helpers peak RSS':<38} {t.other_peak_rss_mb:>12.1f} MB",
            f"    {'samples':<38} {t.samples:>12,}",
        ]
    lines.append(f"  verified: count(*) = N and {r.verified_sample:,} sampled rows equal vaderSentiment")
    return "\n".join(lines)


def prepare_workdir(args: argparse.Namespace) -> tuple[Path, bool]:
    """The working directory and whether to delete it afterwards."""
    if args.workdir is None:
        return Path(tempfile.mkdtemp(prefix="bench-ingest-")), not args.keep
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    # The import is idempotent: a database left by an earlier run would make it store 0 rows.
    # Only the files this script itself creates are removed; a user's directory is never deleted.
    for name in OWN_FILES:
        (workdir / name).unlink(missing_ok=True)
    return workdir, False


def bench(args: argparse.Namespace, workdir: Path) -> Result:
    monitor = Path(sys.executable).with_name("monitor")
    if not monitor.exists():
        raise BenchFailure(
            f"{monitor}: no `monitor` console script next to this Python; "
            "install the project (make bench-ingest does)"
        )
    mentions, db = workdir / "mentions.jsonl", workdir / "bench.db"
    settings = write_settings(workdir, db)

    log(f"generating {args.n:,} mentions in {mentions}")
    generate(args.n, mentions)

    # On a shared machine a burst of someone else's work can land on either measurement, so they
    # are taken in pairs, import then plain loop, and the median pair is reported (--rounds).
    # The first import runs before this process holds N texts in memory.
    rows: list[tuple[str, str]] = []
    rounds: list[tuple[ImportRun, float | None]] = []
    for number in range(1, args.rounds + 1):
        for name in ("bench.db", "bench.db-wal", "bench.db-shm", "bench.db.lock"):
            (workdir / name).unlink(missing_ok=True)  # each round imports into a fresh database
        log(f"running monitor import (round {number} of {args.rounds})")
        run = run_import(monitor, settings, mentions, workdir)
        check_summary(run, args.n)
        if not rows:
            rows = read_texts(mentions)
            if len(rows) != args.n:
                raise BenchFailure(f"{mentions}: expected {args.n:,} rows, read {len(rows):,}")
        plain_s: float | None = None
        if not args.no_baseline:
            log(f"timing plain polarity_scores x{args.repeat}")
            plain_s = time_baseline([text for _, text in rows], args.repeat)
        rounds.append((run, plain_s))

    log("verifying stored scores")
    checked = verify(db, rows, args.seed)

    per_round = [
        {"import_wall_s": run.seconds, "plain_wall_s": plain, "ratio": plain / run.seconds if plain else None}
        for run, plain in rounds
    ]
    # The median round by ratio (by import time without a baseline); the lower middle for an even count.
    order = sorted(range(len(rounds)), key=lambda i: per_round[i]["ratio"] or -rounds[i][0].seconds)
    run, plain_s = rounds[order[(len(order) - 1) // 2]]
    trees = [r.tree for r, _ in rounds if r.tree is not None]
    import_per_s = args.n / run.seconds
    plain_per_s = args.n / plain_s if plain_s else None
    return Result(
        n=args.n,
        import_per_s=import_per_s,
        plain_per_s=plain_per_s,
        ratio=import_per_s / plain_per_s if plain_per_s else None,
        import_peak_rss_mb=max(r.peak_rss_mb for r, _ in rounds),
        import_wall_s=run.seconds,
        plain_wall_s=plain_s,
        repeat=args.repeat,
        verified_sample=checked,
        tree=max(trees, key=lambda t: t.peak_sum_rss_mb) if trees else None,
        rounds=per_round,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not MAKE_MENTIONS.is_file():
        # The generator and its texts live outside the repository; without them there is
        # nothing to measure, which is not a failure (e.g. a plain clone in CI).
        print(f"skipped: ../shared not found ({MAKE_MENTIONS} is missing)")
        return 0
    workdir, cleanup = prepare_workdir(args)
    try:
        result = bench(args, workdir)
    except (BenchFailure, subprocess.CalledProcessError) as exc:
        log(f"FAILED: {exc}")
        log(f"files kept in {workdir}")
        cleanup = False  # keep the evidence
        return 1
    finally:
        if cleanup:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(asdict(result), indent=2))
    else:
        print(table(result))
    if not cleanup:
        log(f"files kept in {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
