"""`monitor score FILE`: score texts without storing them (streamed JSONL out)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from analysis.sentiment.evidence import has_text, stored_score
from analysis.sentiment.stage import SentimentStage
from connectors.errors import InputError
from connectors.records import FileFormat, read_records

log = logging.getLogger(__name__)


@dataclass
class ScoreSummary:
    scored: int = 0
    unscored: int = 0
    rejected: int = 0


def score_file(
    path: Path,
    out: TextIO,
    *,
    stage: SentimentStage | None = None,
    fmt: FileFormat | None = None,
    strict: bool = False,
) -> ScoreSummary:
    """Read `id`, `text` (optional `lang`, `rating`) rows; write one JSON object per row."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    stage = stage or SentimentStage()
    summary = ScoreSummary()
    for record in read_records(path, fmt, required=("id", "text")):
        where = f"{path}:{record.line}"
        problem = record.error
        fields = record.fields or {}
        if problem is None:
            if fields.get("id") in (None, ""):
                problem = "id: missing or empty"
            elif not isinstance(fields.get("text"), str):
                problem = "text: missing or not a string"
        if problem is not None:
            if strict:
                raise InputError(f"{where}: {problem}")
            log.warning("%s: %s (skipped)", where, problem)
            summary.rejected += 1
            continue
        lang = str(fields.get("lang") or "").strip().lower() or None
        try:
            rating = _rating(fields.get("rating"))
        except ValueError as exc:
            problem = f"rating: {exc}"
            if strict:
                raise InputError(f"{where}: {problem}") from None
            log.warning("%s: %s (skipped)", where, problem)
            summary.rejected += 1
            continue
        text = fields["text"]
        result = stage.score(text, lang) if has_text(text) else None
        # The same rule as stored mentions: stars decide only when the text cannot be scored.
        s = stored_score(result.score if result else None, rating)
        lang = result.lang if result else lang
        out.write(
            json.dumps(
                {
                    "id": fields["id"],
                    "compound": s.compound,
                    "pos": s.pos,
                    "neu": s.neu,
                    "neg": s.neg,
                    "label": s.label,
                    "lang": lang,
                    "scored": s.scored,
                },
                ensure_ascii=False,
            )
            + "\n"
        )
        if s.scored:
            summary.scored += 1
        else:
            summary.unscored += 1
    return summary


def _rating(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = float(value)  # type: ignore[arg-type]  # any cell: float() raises for what is no number
    if number != int(number) or not 1 <= number <= 5:
        raise ValueError(f"expected 1-5, got {value!r}")
    return int(number)
