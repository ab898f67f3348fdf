"""`monitor surveys import FILE --metric csat|nps|ces`: survey responses from CSV (or JSONL) exports.

Columns (DESIGN.md): `respondent_id`, `submitted_at`, `score`; optional `segment`, `comment`; other
columns are kept in `extra`. Exports name columns their own way, so each of ours can be read from
another (`--column score=rating`, or `[surveys] columns` in settings.toml).

Scores are checked against the metric's scale (CSAT 1-5, NPS 0-10, CES 1-5 or 1-7 as settings.toml
says); a bad row is reported as file:line and skipped, or stops the import with --strict (what came
before it is stored), exactly as `monitor import` does. Comments are scored for sentiment and stored
with the response only: they are not mentions and never feed mention volume or spike rules.
Idempotent: a response is identified by (brand, metric, respondent_id, submitted_at).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.metrics import CES_SCALES, SCALES
from analysis.sentiment.stage import SentimentStage
from connectors.errors import ConfigError, InputError
from connectors.records import FileFormat, parse_time, read_records
from monitor.clock import Clock, SystemClock
from monitor.config import Settings
from monitor.config.index import SURVEY_COLUMNS
from monitor.index.queries import insert_responses
from monitor.storage.store import Store

log = logging.getLogger(__name__)
METRICS = ("csat", "nps", "ces")
REQUIRED = ("respondent_id", "submitted_at", "score")


@dataclass
class SurveyImportSummary:
    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0

    def line(self) -> str:
        return (
            f"{self.rows:,} rows read: {self.stored:,} stored, {self.duplicates:,} duplicate, "
            f"{self.rejected:,} rejected"
        )


def scale_of(metric: str, ces_scale: str) -> tuple[float, float, str]:
    """(lowest, highest, the scale stored with each response)."""
    if metric == "ces":
        low, high, direction = CES_SCALES[ces_scale]
        return low, high, f"{ces_scale}-{direction}"
    low, high = SCALES[metric]
    return low, high, f"{low:g}-{high:g}"


def parse_column_options(options: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`--column score=rating` (ours=theirs) options to a mapping; mistakes are ConfigErrors."""
    out: dict[str, str] = {}
    for opt in options:
        ours, sep, theirs = opt.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not sep or not ours or not theirs:
            raise ConfigError(f"--column: expected OURS=THEIRS like score=rating, got {opt!r}")
        if ours not in SURVEY_COLUMNS:
            raise ConfigError(
                f"--column: unknown survey column {ours!r} (known: {', '.join(SURVEY_COLUMNS)})"
            )
        out[ours] = theirs
    return out


def default_brand(settings: Settings, brand: str | None) -> str:
    """--brand, else the only brand; with several brands --brand is required."""
    if brand is not None:
        settings.brand(brand)
        return brand
    if len(settings.brands) == 1:
        return next(iter(settings.brands))
    raise ConfigError(
        f"--brand is required when several brands are configured ({', '.join(settings.brands)})"
    )


class _RowError(Exception):
    pass


def import_surveys(
    path: Path,
    settings: Settings,
    store: Store,
    *,
    metric: str,
    brand: str,
    columns: Mapping[str, str] | None = None,
    fmt: FileFormat | None = None,
    strict: bool = False,
    batch_size: int = 1000,
    clock: Clock | None = None,
    stage: SentimentStage | None = None,
) -> SurveyImportSummary:
    """Import one survey export for `brand`; see the module docstring."""
    if metric not in METRICS:
        raise ConfigError(f"--metric: expected one of {', '.join(METRICS)}, got {metric!r}")
    settings.brand(brand)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    mapping = {**settings.surveys.columns, **(columns or {})}
    theirs = {ours: mapping.get(ours, ours) for ours in SURVEY_COLUMNS}
    low, high, scale = scale_of(metric, settings.surveys.ces_scale)
    scale_name = f"{metric} scale {low:g}-{high:g}" + (
        f" ({scale.split('-')[-1]})" if metric == "ces" else ""
    )
    stage = stage or SentimentStage(lexicon=settings.brand(brand).lexicon)
    now = (clock or SystemClock()).now()
    summary = SurveyImportSummary()
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        stored = insert_responses(store, batch)
        summary.stored += stored
        summary.duplicates += len(batch) - stored
        batch.clear()

    def reject(where: str, message: str) -> None:
        if strict:
            if batch:
                flush()  # everything before the bad row is stored
            raise InputError(f"{where}: {message}")
        log.warning("%s: %s (skipped)", where, message)
        summary.rejected += 1

    required = tuple(theirs[c] for c in REQUIRED)
    for record in read_records(path, fmt, required=required):
        summary.rows += 1
        where = f"{path}:{record.line}"
        if record.fields is None:
            reject(where, record.error or "unreadable row")
            continue
        try:
            row = _row(record.fields, theirs, low, high, scale, scale_name)
        except _RowError as exc:
            reject(where, str(exc))
            continue
        comment = row["comment"]
        if comment:
            scored = stage.score(comment).score
            row["comment_compound"], row["comment_label"] = scored.compound, scored.label
        row.update(brand=brand, metric=metric, ingested_at=now)
        batch.append(row)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return summary


def _row(
    fields: dict[str, Any], theirs: dict[str, str], low: float, high: float, scale: str, scale_name: str
) -> dict[str, Any]:
    def get(ours: str) -> str | None:
        value = fields.get(theirs[ours])
        if value is None:
            return None
        text = str(value).strip()
        return text or None

    rid = get("respondent_id")
    if rid is None:
        raise _RowError(f"{theirs['respondent_id']}: missing")
    if len(rid) > 200:
        raise _RowError(f"{theirs['respondent_id']}: longer than 200 characters")
    submitted = get("submitted_at")
    try:
        submitted_at = parse_time(submitted)
    except ValueError:
        raise _RowError(f"{theirs['submitted_at']}: not an ISO 8601 time: {submitted!r}") from None
    raw_score = get("score")
    try:
        score = float(raw_score) if raw_score is not None else None
    except ValueError:
        score = None
    if score is None or score != score:  # NaN
        raise _RowError(f"{theirs['score']}: not a number: {raw_score!r}")
    if not low <= score <= high:
        raise _RowError(f"{theirs['score']}: {raw_score} is outside the {scale_name}")
    if not score.is_integer():
        raise _RowError(f"{theirs['score']}: {raw_score} is not a whole number")
    segment = get("segment")
    used = {theirs[c] for c in SURVEY_COLUMNS}
    extra = {k: v for k, v in fields.items() if k not in used and v not in (None, "")}
    return {
        "respondent_id": rid,
        "submitted_at": submitted_at,
        "score": score,
        "scale": scale,
        "segment": segment[:100] if segment else None,
        "comment": get("comment"),
        "comment_compound": None,
        "comment_label": None,
        "extra": extra or None,
    }
