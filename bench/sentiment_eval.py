"""Sentiment accuracy against VADER's human-rated ground truth, plain vaderSentiment vs this stage.

Data: ../shared/data/sentiment/ (README there): tab-separated ``ID<TAB>MEAN<TAB>TEXT``, CRLF,
MEAN the mean human rating on -4..+4. For each dataset and each scorer:

* **Pearson r** of the compound score against the human mean (all items);
* **binary F1**: items with abs(mean) < 0.2 dropped; human positive = mean > 0, predicted
  positive = compound >= 0; the *macro* F1, i.e. the mean of the positive class's F1 and the
  negative class's F1. That is the definition behind the README's 0.963 / 0.673 (the positive
  class alone gives 0.978 / 0.795 and is shown as a second row, "F1 positive class");
* **3-class accuracy**: human label from mean / 4 and predicted label from compound, both at
  +-0.05 (>= 0.05 positive, <= -0.05 negative, else neutral);
* **agree**: share of items whose compound equals plain VADER's exactly (a check, not a metric).

Scorers: ``vader`` = ``SentimentIntensityAnalyzer().polarity_scores`` (vaderSentiment 3.3.2);
``stage`` = ``analysis.sentiment.SentimentStage().score(text, "en")``, the project's scoring path;
``fast`` = ``analysis.sentiment._vader_fast.FastSentimentIntensityAnalyzer`` when that module exists.

The plain VADER column must reproduce the README's reference figures (r 0.872 / 0.590,
F1 0.963 / 0.673, accuracy 0.899 / 0.587); ``--check`` exits 1 if it does not, or if any other
column is worse than plain VADER on any figure.

    .venv/bin/python bench/sentiment_eval.py [--data DIR] [--markdown] [--check]

Exit status: 0 ok (or data absent: skipped with a message), 1 failed --check, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "sentiment"
DATASETS = {"tweets": "tweets_GroundTruth.txt", "amazon": "amazonReviewSnippets_GroundTruth.txt"}
NEUTRAL_BAND = 0.2  # binary F1 drops items with abs(human mean) < this
THRESHOLD = 0.05  # labels on both sides, restated so the check does not depend on the code under test
# vaderSentiment 3.3.2 figures from ../shared/data/sentiment/README.md
REFERENCE = {
    "tweets": {"r": 0.872, "f1": 0.963, "acc3": 0.899},
    "amazon": {"r": 0.590, "f1": 0.673, "acc3": 0.587},
}
TOLERANCE = 0.0005  # the README rounds to three decimals


@dataclass(frozen=True)
class Item:
    id: str
    mean: float
    text: str


@dataclass(frozen=True)
class Result:
    r: float
    f1: float
    f1_pos: float
    acc3: float
    agree: float
    n: int
    n_binary: int
    seconds: float


def load(path: Path) -> list[Item]:
    items = []
    with path.open(encoding="utf-8", newline="") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line:
                continue
            parts = line.split("\t", 2)
            if len(parts) != 3:
                raise ValueError(f"{path}:{lineno}: expected ID<TAB>MEAN<TAB>TEXT")
            items.append(Item(parts[0], float(parts[1]), parts[2]))
    return items


def label(x: float) -> int:
    return 1 if x >= THRESHOLD else -1 if x <= -THRESHOLD else 0


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    n = len(xs)
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy)


def binary_f1(means: Sequence[float], compounds: Sequence[float]) -> tuple[float, float, int]:
    """(macro F1, positive-class F1, items kept) with human-neutral items dropped."""
    tp = fp = fn = tn = n = 0
    for m, c in zip(means, compounds, strict=True):
        if abs(m) < NEUTRAL_BAND:
            continue
        n += 1
        truth, pred = m > 0, c >= 0
        tp += truth and pred
        fp += pred and not truth
        fn += truth and not pred
        tn += not truth and not pred
    f1_pos = 2 * tp / (2 * tp + fp + fn)
    f1_neg = 2 * tn / (2 * tn + fn + fp)
    return (f1_pos + f1_neg) / 2, f1_pos, n


def evaluate(
    items: Sequence[Item], compounds: Sequence[float], baseline: Sequence[float], secs: float
) -> Result:
    means = [it.mean for it in items]
    f1, f1_pos, n_binary = binary_f1(means, compounds)
    acc3 = sum(label(m / 4) == label(c) for m, c in zip(means, compounds, strict=True)) / len(items)
    agree = sum(c == b for c, b in zip(compounds, baseline, strict=True)) / len(items)
    return Result(pearson(compounds, means), f1, f1_pos, acc3, agree, len(items), n_binary, secs)


def scorers() -> dict[str, Callable[[str], float]]:
    """Name -> text -> compound. Columns whose code is missing are left out (with a note)."""
    out: dict[str, Callable[[str], float]] = {}
    vader = SentimentIntensityAnalyzer()
    out["vader"] = lambda text: vader.polarity_scores(text)["compound"]

    from analysis.sentiment.stage import SentimentStage

    stage = SentimentStage()

    def stage_compound(text: str) -> float:
        s = stage.score(text, "en").score
        if s.compound is None:
            raise RuntimeError(f"stage left English text unscored: {text[:60]!r}")
        return s.compound

    out["stage"] = stage_compound
    try:
        fast_mod = importlib.import_module("analysis.sentiment._vader_fast")
        fast = fast_mod.FastSentimentIntensityAnalyzer()
    except (ImportError, AttributeError) as exc:
        print(f"note: no fast analyzer column ({type(exc).__name__}: {exc})", file=sys.stderr)
    else:
        out["fast"] = lambda text: fast.polarity_scores(text)["compound"]
    return out


def run(data: Path) -> dict[str, dict[str, Result]]:
    results: dict[str, dict[str, Result]] = {}
    fns = scorers()
    for name, filename in DATASETS.items():
        items = load(data / filename)
        texts = [it.text for it in items]
        compounds: dict[str, list[float]] = {}
        times: dict[str, float] = {}
        for col, fn in fns.items():
            t0 = time.perf_counter()
            compounds[col] = [fn(t) for t in texts]
            times[col] = time.perf_counter() - t0
        results[name] = {col: evaluate(items, compounds[col], compounds["vader"], times[col]) for col in fns}
    return results


FIGURES = (
    ("Pearson r", "r"),
    ("binary F1, macro", "f1"),
    ("F1 positive class", "f1_pos"),
    ("3-class accuracy", "acc3"),
    ("same compound as VADER", "agree"),
)


def table(results: dict[str, dict[str, Result]], markdown: bool) -> str:
    cols = list(next(iter(results.values())))
    header = ["dataset", "figure", *(f"{c}" for c in cols), "reference (VADER)"]
    rows: list[list[str]] = []
    for ds, by_col in results.items():
        n = by_col["vader"].n
        nb = by_col["vader"].n_binary
        for title, key in FIGURES:
            ref = REFERENCE[ds].get(key)
            shown = f"{title} (n={nb})" if key == "f1" else f"{title} (n={n})" if key == "r" else title
            rows.append(
                [ds, shown, *(f"{getattr(by_col[c], key):.3f}" for c in cols), f"{ref:.3f}" if ref else ""]
            )
        if not markdown:  # one noisy pass on a shared machine: fine for a glance, not for docs
            rows.append([ds, "texts/s (one pass)", *(f"{n / by_col[c].seconds:,.0f}" for c in cols), ""])
    if markdown:
        lines = [
            "| " + " | ".join(header) + " |",
            "|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|",
        ]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(  # noqa: E731
        cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths, strict=True))
    )
    return "\n".join([fmt(header), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)])


def check(results: dict[str, dict[str, Result]]) -> list[str]:
    problems = []
    for ds, by_col in results.items():
        base = by_col["vader"]
        for key, ref in REFERENCE[ds].items():
            got = getattr(base, key)
            if abs(got - ref) > TOLERANCE:
                problems.append(f"{ds}: plain VADER {key} = {got:.4f}, README says {ref:.3f}")
        for col, res in by_col.items():
            for key in ("r", "f1", "f1_pos", "acc3"):
                if getattr(res, key) < getattr(base, key) - 1e-12:
                    problems.append(
                        f"{ds}: {col} {key} = {getattr(res, key):.4f} < VADER's {getattr(base, key):.4f}"
                    )
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DATA, help=f"dataset directory (default {DATA})")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown (for docs/)")
    p.add_argument(
        "--check", action="store_true", help="exit 1 unless VADER matches the README and no column is worse"
    )
    args = p.parse_args(argv)
    missing = [f for f in DATASETS.values() if not (args.data / f).is_file()]
    if missing:
        print(f"skipped: ground-truth data not found in {args.data} (missing {', '.join(missing)})")
        return 0
    results = run(args.data)
    print(table(results, args.markdown))
    problems = check(results)
    for problem in problems:
        print(f"CHECK: {problem}", file=sys.stderr)
    return 1 if problems and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
