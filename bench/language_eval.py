"""Compare language detectors on short posts: accuracy, English false non-English, speed, memory.

    .venv/bin/python bench/language_eval.py [--data ../shared/data/sentiment] [--repeat 3]

Labelled set: every row of examples/acme/social.jsonl and examples/acme/reviews.csv (both carry a
`lang` column: en, es, de, fr, tr, pt, ja). English set: the texts of
../shared/data/sentiment/*_GroundTruth.txt (all English tweets and review sentences), where any
answer other than "en" or None is a *false non-English* (the post would be left unscored).

Each candidate runs in its own child process, so import time and memory are its alone:
`import s` is the import of the library, `load s` building the detector plus the first call,
`RSS MB` the growth of the child's resident memory from before the import to after the whole
accuracy pass (lazily loaded models included). `single/s` is one `detect` call per text over the
English and labelled texts; `batch/s` uses the library's batch API where it has one (lingua's
`detect_languages_in_parallel_of`, which uses every core), otherwise the same loop. Speeds are the
best of `--repeat` runs. `plain VADER/s` is `polarity_scores` over the same texts, for scale.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LABELLED_LANGS = ("en", "es", "de", "fr", "tr", "pt", "ja")

CANDIDATES = {
    "BundledDetector (chosen)": "bundled",
    "  same, no English shortcut": "bundled-noshortcut",
    "py3langid, all languages": "py3langid-all",
    "py3langid, 34 languages": "py3langid-34",
    "langdetect (seed 0)": "langdetect",
    "lingua, 34 languages, high acc.": "lingua-high",
    "lingua, 34 languages, low acc.": "lingua-low",
}


def load_labelled() -> list[tuple[str, str]]:
    rows = []
    with open(ROOT / "examples/acme/social.jsonl", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            rows.append((d["text"], d["lang"]))
    with open(ROOT / "examples/acme/reviews.csv", encoding="utf-8", newline="") as fh:
        rows.extend((r["text"], r["lang"]) for r in csv.DictReader(fh))
    return rows


def load_english(data: Path) -> list[str]:
    texts = []
    for path in sorted(data.glob("*_GroundTruth.txt")):
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                parts = line.rstrip("\r\n").split("\t")
                if len(parts) >= 3:
                    texts.append(parts[2])
    return texts


def rss_mb() -> float:
    try:
        import psutil
    except ImportError:  # Linux without psutil
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return psutil.Process().memory_info().rss / 2**20


def build(kind: str):
    """Return (detect, detect_batch or None) for a candidate; imports happen here."""
    from analysis.language.bundled import LANGUAGES

    if kind.startswith("bundled"):
        from analysis.language.bundled import BundledDetector

        det = BundledDetector(english_shortcut=kind == "bundled").load()
        return det.detect, None
    if kind.startswith("py3langid"):
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        if kind == "py3langid-34":
            ident.set_languages(list(LANGUAGES))
        return (lambda text: ident.classify(text)[0]), None
    if kind == "langdetect":
        from langdetect import DetectorFactory, detect
        from langdetect.lang_detect_exception import LangDetectException

        DetectorFactory.seed = 0

        def ld(text: str) -> str | None:
            try:
                code = detect(text)
            except LangDetectException:
                return None
            return code.split("-")[0]  # zh-cn / zh-tw -> zh

        return ld, None
    if kind.startswith("lingua"):
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        codes = []
        for code in LANGUAGES:
            with contextlib.suppress(ValueError):  # lingua has no "no" (only nb / nn) and no "tl"
                codes.append(IsoCode639_1.from_str(code))
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        if kind == "lingua-low":
            builder = builder.with_low_accuracy_mode()
        det = builder.build()

        def code_of(lang) -> str | None:
            return lang.iso_code_639_1.name.lower() if lang is not None else None

        def lg(text: str) -> str | None:
            return code_of(det.detect_language_of(text))

        def lg_batch(texts: list[str]) -> list[str | None]:
            return [code_of(lang) for lang in det.detect_languages_in_parallel_of(texts)]

        return lg, lg_batch
    raise ValueError(kind)


def worker(kind: str, data: Path, repeat: int) -> dict:
    labelled = load_labelled()
    english = load_english(data)
    rss0 = rss_mb()
    t0 = time.perf_counter()
    import_name = {"langdetect": "langdetect", "lingua-high": "lingua", "lingua-low": "lingua"}
    __import__(import_name.get(kind, "py3langid"))
    t1 = time.perf_counter()
    detect, batch = build(kind)
    detect("Loading the model with a first short sentence.")
    t2 = time.perf_counter()

    per_lang = {lang: [0, 0] for lang in LABELLED_LANGS}
    foreign_as_en = 0
    none_labelled = 0
    for text, lang in labelled:
        got = detect(text)
        per_lang[lang][0] += got == lang
        per_lang[lang][1] += 1
        foreign_as_en += lang != "en" and got == "en"
        none_labelled += got is None
    english_answers = [detect(text) for text in english]
    false_non_en = sum(1 for got in english_answers if got not in ("en", None))
    none_en = sum(1 for got in english_answers if got is None)
    rss1 = rss_mb()

    texts = english + [text for text, _ in labelled]
    single = batched = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for text in texts:
            detect(text)
        single = min(single, time.perf_counter() - t)
        if batch is not None:
            t = time.perf_counter()
            batch(texts)
            batched = min(batched, time.perf_counter() - t)
    if batch is None:
        batched = single
    correct = sum(c for c, _ in per_lang.values())
    return {
        "acc": {lang: c / n for lang, (c, n) in per_lang.items()},
        "acc_all": correct / len(labelled),
        "n_labelled": len(labelled),
        "foreign_as_en": foreign_as_en,
        "none_labelled": none_labelled,
        "n_english": len(english),
        "false_non_en": false_non_en / len(english),
        "false_non_en_n": false_non_en,
        "none_en": none_en / len(english),
        "single": len(texts) / single,
        "batch": len(texts) / batched,
        "import_s": t1 - t0,
        "load_s": t2 - t1,
        "rss_mb": rss1 - rss0,
    }


def vader_rate(data: Path, repeat: int) -> float:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    texts = load_english(data) + [text for text, _ in load_labelled()]
    analyzer = SentimentIntensityAnalyzer()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for text in texts:
            analyzer.polarity_scores(text)
        best = min(best, time.perf_counter() - t)
    return len(texts) / best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/sentiment")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", help="comma-separated candidate keys (bundled, py3langid-all, ...)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.data, args.repeat)))
        return 0

    wanted = set(args.only.split(",")) if args.only else None
    results = {}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONHASHSEED": "0"}
    for label, kind in CANDIDATES.items():
        if wanted and kind not in wanted:
            continue
        cmd = [sys.executable, __file__, "--worker", kind, "--data", str(args.data)]
        cmd += ["--repeat", str(args.repeat)]
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        if out.returncode != 0:
            print(f"{label}: failed\n{out.stderr}", file=sys.stderr)
            continue
        results[label] = json.loads(out.stdout.strip().splitlines()[-1])

    if not results:
        return 1
    any_r = next(iter(results.values()))
    print(
        f"labelled short posts: {any_r['n_labelled']} (examples/acme); "
        f"English texts: {any_r['n_english']} ({args.data})"
    )
    print(f"plain VADER polarity_scores on the same texts: {vader_rate(args.data, args.repeat):,.0f} texts/s")
    print()
    head = ["detector", *LABELLED_LANGS, "all", "fgn->en", "EN->other", "EN->None"]
    head += ["single/s", "batch/s", "import s", "load s", "RSS MB"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for label, r in results.items():
        cells = [label.strip()]
        cells += [f"{r['acc'][lang]:.3f}" for lang in LABELLED_LANGS]
        cells += [f"{r['acc_all']:.3f}", str(r["foreign_as_en"])]
        cells += [f"{r['false_non_en']:.2%} ({r['false_non_en_n']})", f"{r['none_en']:.2%}"]
        cells += [f"{r['single']:,.0f}", f"{r['batch']:,.0f}", f"{r['import_s']:.2f}"]
        cells += [f"{r['load_s']:.2f}", f"{r['rss_mb']:.0f}"]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
