"""The per-row work of `monitor import`: a chunk of raw file rows in, rows ready to insert out.

Parsing, validation, brand resolution, dedupe, language detection, scoring and the database
encoding all happen here, in the scoring worker processes when the import runs on a pool (or
in-process for a small file). The process that reads the file then only cuts it into chunks of raw
lines and writes what comes back: it was the bottleneck when it parsed every row and built every
Mention itself while the workers waited for it (docs/sentiment.md, "Throughput and memory").

This module is imported by every worker (and preloaded into the fork server), so it keeps its
imports light: no settings, no connectors registry, no pandas, no SQLAlchemy.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from analysis.sentiment.evidence import has_text, stored_score
from analysis.sentiment.lexicon import LexiconOverrides
from analysis.sentiment.stage import Scored
from connectors.query import Query
from connectors.records import SURROGATE_ESCAPE, Record, RecordValues, jsonl_record, record_values
from connectors.types import Mention
from monitor.scoring_pool import worker_stages
from monitor.storage.mention_rows import (
    MENTION_COLUMNS,
    ColumnBatch,
    SQLiteMentionReader,
    encode_mention_columns,
)

NO_OVERRIDES = LexiconOverrides()


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


# The order `mention_values` builds its tuples in; checked against the table at import time, so a
# column added to `mentions` cannot silently shift every value after it.
_VALUE_ORDER = (
    "source", "native_id", "brand", "source_name", "created_at", "text", "title", "url", "author",
    "lang", "rating", "engagement", "reach", "compound", "pos", "neu", "neg", "label", "scored",
    "raw", "extra", "ingested_at",
)  # fmt: skip
if _VALUE_ORDER != MENTION_COLUMNS:
    raise RuntimeError(f"mention_values builds {_VALUE_ORDER}, the mentions table has {MENTION_COLUMNS}")

# The scoring function for a brand lexicon: (text, stated language) -> Scored.
ScorerFor = Callable[[LexiconOverrides], Callable[[str, str | None], Scored]]
ExistingFn = Callable[[str, str, Sequence[str]], set[str]]  # (source, brand, native ids) -> stored ones


def text_for_scoring(m: Mention) -> str:
    """A review's title carries sentiment too ("Terrible update"), so it is scored with the text."""
    return scoring_text(m.title, m.text)


def scoring_text(title: str | None, text: str) -> str:
    if title:
        sep = " " if title.rstrip()[-1:] in {".", "!", "?"} else ". "
        return f"{title.rstrip()}{sep}{text}"
    return text


def mention_values(m: Mention, scored: Scored | None, now: datetime) -> tuple[Any, ...]:
    """The stored row of a mention, in `MENTION_COLUMNS` order (unencoded Python values).

    A review whose text cannot be scored (no text, or a language no scorer reads) takes its
    sentiment from its stars (analysis/sentiment/evidence.py, docs/sentiment.md).
    """
    s = stored_score(scored.score if scored else None, m.rating)
    return (
        m.source,
        m.native_id,
        m.brand,
        m.source_name,
        m.created_at,
        m.text,
        m.title,
        m.url,
        m.author,
        scored.lang if scored else m.lang,
        m.rating,
        m.engagement,
        m.reach,
        s.compound,
        s.pos,
        s.neu,
        s.neg,
        s.label,
        s.scored,
        dict(m.raw) or None,
        dict(m.extra) or None,
        now,
    )


@dataclass(frozen=True, slots=True)
class BrandRule:
    name: str
    query: Query
    lexicon: LexiconOverrides = NO_OVERRIDES


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
    batch: ColumnBatch = field(default_factory=lambda: ColumnBatch.of([]))  # encoded for ImportJob.dialect
    rows: int = 0
    duplicates: int = 0  # twice in the chunk, or stored already
    unmatched: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file:line, reason), logged by the caller
    error: str | None = None  # --strict: the first bad row; `batch` holds only the rows before it


def _fields(chunk: Chunk) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line, fields, None) per row, or (line, None, reason) for a row that cannot be read."""
    if not chunk.lines:
        for record in chunk.records:
            yield record.line, record.fields, record.error
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


def values_for(fields: dict[str, Any], job: ImportJob) -> list[RecordValues]:
    """A row naming a brand is that brand's; otherwise --brand's; otherwise every brand whose query
    matches it (an empty list: it matches none). ValueError names the problem (not the place)."""
    row_brand = str(fields.get("brand") or "").strip() or None
    if row_brand is not None and row_brand not in job.lexicons:
        configured = ", ".join(rule.name for rule in job.brands)
        raise ValueError(f"brand {row_brand!r} is not configured (configured: {configured})")
    chosen = row_brand or job.brand
    if chosen is not None:
        return [
            record_values(
                fields,
                source_name=job.source_name,
                default_source=job.default_source,
                brand=chosen,
                assigned=True,
            )
        ]
    v = record_values(
        fields, source_name=job.source_name, default_source=job.default_source, brand=job.brands[0].name
    )
    source, text, author, title, lang = v[0], v[3], v[7], v[8], v[9]
    return [
        (*v[:2], rule.name, *v[3:13], True, v[14])
        for rule in job.brands
        if rule.query.matches(text, title=title, author=author, source=source, lang=lang)
    ]


def prepare_chunk(job: ImportJob, chunk: Chunk, scorer_for: ScorerFor, existing: ExistingFn) -> ChunkResult:
    """Turn a chunk of rows into encoded rows to insert, skipping (and counting) what is stored already.

    The same steps and counts as `Ingestor.ingest` on the mentions of these rows: dedupe within the
    chunk, leave out mentions stored already (so a rerun scores nothing twice), detect and score the
    rest, and encode them for the database. Rows stored by a concurrent writer in the meantime are
    caught by the insert's ON CONFLICT and counted as duplicates there. Rows stay plain tuples
    (`connectors.records.record_values`) from the parsed JSON to the encoded row: this runs for
    every row of every backfill.
    """
    result = ChunkResult()
    unique: dict[tuple[str, str, str], RecordValues] = {}
    for line, fields, problem in _fields(chunk):
        result.rows += 1
        found: list[RecordValues] | None = None
        if fields is not None:
            try:
                found = values_for(fields, job)
            except ValueError as exc:
                problem = str(exc)
        if found is None:
            where = f"{job.path}:{line}"
            if job.strict:
                result.error = f"{where}: {problem or 'unreadable row'}"
                break  # the rows before it are still stored: the message is simple to act on
            result.rejected.append((where, problem or "unreadable row"))
            continue
        if not found:
            result.unmatched += 1
        for v in found:
            key = (v[0], v[1], v[2])
            if key in unique:
                result.duplicates += 1
            else:
                unique[key] = v
    if not job.store_was_empty:
        by_stream: dict[tuple[str, str], list[str]] = defaultdict(list)
        for source, native_id, brand in unique:
            by_stream[(source, brand)].append(native_id)
        for (source, brand), ids in by_stream.items():
            for native_id in existing(source, brand, ids):
                del unique[(source, native_id, brand)]
                result.duplicates += 1
    now, rows = chunk.now, []
    scorers: dict[str, Callable[[str, str | None], Scored]] = {}
    for v in unique.values():
        source, native_id, brand, text, created_at, source_name, url, author, title, lang = v[:10]
        rating = v[10]
        text_in = scoring_text(title, text)
        scored = None
        if has_text(text_in):
            score = scorers.get(brand)
            if score is None:
                score = scorers[brand] = scorer_for(job.lexicons.get(brand, NO_OVERRIDES))
            scored = score(text_in, lang)
        s = stored_score(scored.score if scored else None, rating)
        # fmt: off
        row = (
            source, native_id, brand, source_name, created_at, text, title, url, author,
            scored.lang if scored else lang, rating, v[11], v[12],
            s.compound, s.pos, s.neu, s.neg, s.label, s.scored, None, v[14] or None, now,
        )
        # fmt: on
        rows.append(row)
    if rows:  # encoded column by column (a fraction of the cost of row by row)
        columns = list(zip(*rows, strict=True))
        result.batch = ColumnBatch.of_columns(encode_mention_columns(job.dialect, columns))
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
