"""The per-row work of `monitor import`: a chunk of raw file rows in, a packed batch to insert out.

Parsing, validation and brand resolution happen here, then the steps every mention goes through
(monitor/mentions/steps.py: dedupe, skip stored, score) and the packing for the database, all in the
scoring worker processes when the import runs on a pool (or in-process for a small file). The
process that reads the file then only cuts it into chunks of raw lines and writes what comes back:
it was the bottleneck when it parsed every row itself while the workers waited for it
(docs/sentiment.md, "Throughput and memory").

This module is imported by every worker (and preloaded into the fork server), so it keeps its
imports light: no settings, no connectors registry, no pandas, no SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from analysis.sentiment.lexicon import LexiconOverrides
from connectors.records import SURROGATE_ESCAPE, Record, jsonl_record, record_values
from monitor.mentions.rows import UNSCORED_LABEL, MentionRow, new_row
from monitor.mentions.scoring_pool import worker_stages
from monitor.mentions.steps import BrandRule, Candidate, ExistingFn, ScorerFor, prepare
from monitor.storage.mention_rows import MentionBatch, SQLiteMentionReader


def _loads(raw: bytes) -> Any:
    """`json.loads(raw.decode())`, mostly through orjson (a third of the time, the same values).

    orjson reads an integer beyond 64 bits as a float, where the json module keeps it exact (an id
    of 20 digits would lose some): such a float is outside +-9.2e18, and a row with one at the top
    level, or with a nested object or list (not looked into), is read again by the json module.
    orjson refuses what the json module may accept (NaN, Infinity, lone surrogates): ValueError,
    and the caller's slow path decides.
    """
    value = orjson.loads(raw)
    if type(value) is dict:
        for v in value.values():
            kind = type(v)
            if (kind is float and not -9.2e18 < v < 9.2e18) or kind is dict or kind is list:
                return json.loads(raw.decode())
    return value


@dataclass(frozen=True, slots=True)
class ImportJob:
    """What every chunk of one import shares (small and picklable: sent with each chunk)."""

    path: str  # as the user gave it: errors read "path:line: ..."
    brands: tuple[BrandRule, ...]  # every configured brand, in settings order
    brand: str | None = None  # --brand: for rows without a brand column
    default_source: str = "file"
    source_name: str = "import"
    strict: bool = False
    store_url: str = ""  # workers open their own read connection to skip rows already stored
    dialect: str = "sqlite"  # the rows come back encoded for this database
    sqlite_file: str | None = None  # the database file when it is SQLite: read with plain sqlite3
    # No mention was stored when the import started: then whatever is stored meanwhile came from this
    # import (or a concurrent writer), the insert's ON CONFLICT catches it, and looking each chunk's
    # ids up first (a tenth of a worker's time per row) would only spare scoring a duplicate row.
    store_was_empty: bool = False
    lexicons: dict[str, LexiconOverrides] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lexicons", {rule.name: rule.lexicon for rule in self.brands})


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of consecutive rows: raw JSONL lines (parsed by the worker) or CSV records (parsed by
    the reader, because a quoted CSV field may span lines)."""

    first_line: int
    end_offset: int  # byte offset after the chunk, for the progress bar
    now: datetime  # ingested_at of every row in it (the importing process's clock)
    lines: Sequence[bytes] = ()
    records: Sequence[Record] = ()


@dataclass(slots=True)
class ChunkResult:
    batch: MentionBatch | None = None  # packed for ImportJob.dialect; None when no row is left
    rows: int = 0
    duplicates: int = 0  # twice in the chunk, or stored already
    unmatched: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file:line, reason), logged by the caller
    error: str | None = None  # --strict: the first bad row; `batch` holds only the rows before it


def _fields(chunk: Chunk) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line, fields, None) per row, or (line, None, reason) for a row that cannot be read."""
    if not chunk.lines:
        for read in chunk.records:
            yield read.line, read.fields, read.error
        return
    for i, raw in enumerate(chunk.lines):
        # The common case, fast (`_loads`); anything unusual (BOM, blank, NaN, a lone surrogate,
        # invalid UTF-8...) takes the reader's path below, which reports it.
        try:
            fields = _loads(raw)
        except ValueError:  # JSONDecodeError (orjson's is one) and UnicodeDecodeError alike
            fields = None
        if isinstance(fields, dict) and not SURROGATE_ESCAPE.search(raw):
            yield chunk.first_line + i, fields, None
            continue
        record = jsonl_record(chunk.first_line + i, raw)  # blank, unfinished, invalid or not an object
        if record is not None:
            yield record.line, record.fields, record.error


def candidates(job: ImportJob, chunk: Chunk, result: ChunkResult) -> Iterator[Candidate]:
    """The chunk's rows as candidates for the steps, counting rows and rejections into `result`.
    --strict: stops at the first bad row (with `result.error` set)."""
    for line, fields, problem in _fields(chunk):
        result.rows += 1
        found: Candidate | None = None
        if fields is not None:
            try:
                found = candidate(fields, job, chunk.now)
            except ValueError as exc:
                problem = str(exc)
        if found is None:
            where = f"{job.path}:{line}"
            if job.strict:
                result.error = f"{where}: {problem or 'unreadable row'}"
                return  # the rows before it are still stored: the message is simple to act on
            result.rejected.append((where, problem or "unreadable row"))
            continue
        yield found


def candidate(fields: dict[str, Any], job: ImportJob, now: datetime) -> Candidate:
    """A row naming a brand is that brand's; otherwise --brand's; otherwise it may be any brand whose
    query matches it (the match step decides). ValueError names the problem (not the place)."""
    row_brand = str(fields.get("brand") or "").strip() or None
    if row_brand is not None and row_brand not in job.lexicons:
        configured = ", ".join(rule.name for rule in job.brands)
        raise ValueError(f"brand {row_brand!r} is not configured (configured: {configured})")
    chosen = row_brand or job.brand
    (
        source, native_id, brand, text, created_at, source_name, url, author, title, lang, rating,
        engagement, reach, _assigned, extra,
    ) = record_values(
        fields,
        source_name=job.source_name,
        default_source=job.default_source,
        brand=chosen or job.brands[0].name,
        assigned=chosen is not None,
    )  # fmt: skip
    row = new_row(MentionRow, (
        source, native_id, brand, source_name, created_at, text, title, url, author, lang, rating,
        engagement, reach, None, None, None, None, UNSCORED_LABEL, False, None, extra or None, now,
    ))  # fmt: skip
    return row, () if chosen is not None else job.brands


def prepare_chunk(job: ImportJob, chunk: Chunk, scorer_for: ScorerFor, existing: ExistingFn) -> ChunkResult:
    """A chunk of rows through the steps (monitor/mentions/steps.py), packed for the database.

    The same steps and counts as `Ingestor.ingest` on the mentions of these rows. Rows stored by a
    concurrent writer in the meantime are caught by the insert's ON CONFLICT and counted as
    duplicates there.
    """
    result = ChunkResult()
    prepared = prepare(
        candidates(job, chunk, result),
        existing=None if job.store_was_empty else existing,
        scorer_for=scorer_for,
        lexicons=job.lexicons,
    )
    result.duplicates, result.unmatched = prepared.duplicates, prepared.unmatched
    if prepared.rows:  # packed column by column here, in the worker (a fraction of row by row)
        result.batch = MentionBatch.of(prepared.rows, job.dialect)
    return result


_READERS: dict[str, ExistingFn] = {}  # per worker process: one read connection per database


def run_in_worker(job: ImportJob, chunk: Chunk) -> ChunkResult:
    """`prepare_chunk` in a scoring worker: its own scorers, its own read connection to the store
    (SQLite in WAL mode lets it read while the importing process writes)."""
    existing = _READERS.get(job.store_url)
    if existing is None:
        if job.sqlite_file is not None:
            existing = SQLiteMentionReader(job.sqlite_file).existing_native_ids
        else:  # PostgreSQL: through the Store (SQLAlchemy is imported only then)
            from monitor.storage.store import Store

            existing = Store.open(job.store_url, migrate_schema=False).existing_native_ids
        _READERS[job.store_url] = existing
    return prepare_chunk(job, chunk, worker_stages().scorer_for, existing)
