"""`monitor import FILE`: backfill mentions from CSV or JSONL.

Streamed (memory does not grow with the file), written in batches that each commit atomically,
idempotent (the identity key makes a rerun store nothing twice, so a killed import is simply
run again), and silent towards alerting: a backfill is history, and history never notifies.

How the work is split (docs/sentiment.md, "Throughput and memory"): this process cuts the file
into chunks of `batch_size` rows and writes; everything per row (parsing, validation, brands,
dedupe, language, scoring, packing) happens in `monitor.mentions.import_chunks`, on the scoring pool's
worker processes for a large file, so both cores score while this one writes. A few chunks are in
flight at once, so the writing of one batch overlaps the scoring of the next ones, and no more than
a few, so memory stays flat. Chunks are written in file order, one transaction each.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from connectors.errors import InputError
from connectors.records import FileFormat, detect_format, read_records
from monitor.config import Settings
from monitor.mentions.import_chunks import Chunk, ChunkResult, ImportJob, prepare_chunk, run_in_worker
from monitor.mentions.pipeline import Ingestor
from monitor.mentions.scoring_pool import POOL_MIN_BYTES
from monitor.mentions.steps import NO_OVERRIDES, BrandRule
from monitor.progress import ByteProgress

log = logging.getLogger(__name__)


@dataclass
class ImportSummary:
    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    unmatched: int = 0

    def line(self) -> str:
        return (
            f"{self.rows:,} rows read: {self.stored:,} stored, {self.duplicates:,} duplicate, "
            f"{self.rejected:,} rejected, {self.unmatched:,} matching no brand"
        )


def import_file(
    path: Path,
    settings: Settings,
    ingestor: Ingestor,
    *,
    brand: str | None = None,
    default_source: str = "file",
    source_name: str = "import",
    fmt: FileFormat | None = None,
    strict: bool = False,
    batch_size: int = 2500,
    progress: bool = True,
    stop: threading.Event | None = None,
    pool_min_bytes: int = POOL_MIN_BYTES,
) -> ImportSummary:
    """Import `path`. A row naming a brand is that brand's; otherwise `brand`, otherwise every
    brand whose query matches the row. Bad rows are reported as file:line and skipped, or stop
    the import when `strict` (rows already committed stay: the import can be rerun).

    `ingestor` supplies the store, the clock, the brands' lexicons and the scorer; its scorer's
    process pool is used when it has two or more workers and the file is at least `pool_min_bytes`.
    """
    if brand is not None:
        settings.brand(brand)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    store = ingestor.store
    job = ImportJob(
        path=str(path),
        brands=tuple(
            BrandRule(b.name, b.query, ingestor.lexicons.get(b.name, NO_OVERRIDES))
            for b in settings.brands.values()
        ),
        brand=brand,
        default_source=default_source,
        source_name=source_name,
        strict=strict,
        store_url=store.url,
        dialect=store.dialect,
        sqlite_file=str(store.sqlite_file) if store.sqlite_file else None,
        store_was_empty=not store.has_mentions(),
    )
    size = path.stat().st_size
    chunks = _chunks(path, fmt or detect_format(path), batch_size, ingestor)
    scorer = ingestor.scorer
    # Workers read the store to skip rows stored already: an in-memory SQLite database is not theirs
    # to read, so such a store (tests) is always served in-process.
    shared = store.dialect != "sqlite" or store.sqlite_file is not None
    if scorer.workers >= 2 and size >= pool_min_bytes and shared:
        # Enough chunks in flight that a slow commit (a WAL checkpoint's fsync) does not idle the pool.
        results: Generator[tuple[Chunk, ChunkResult]] = _on_pool(
            scorer.executor(), job, chunks, in_flight=4 * scorer.workers + 4
        )
    else:
        results = (
            (chunk, prepare_chunk(job, chunk, scorer.stages.scorer_for, store.existing_native_ids))
            for chunk in chunks
        )
    summary = ImportSummary()
    with ByteProgress(f"import {path.name}", size, every_seconds=5 if progress else 1e9) as bar:
        try:
            for chunk, result in results:
                _write(result, chunk, ingestor, summary)
                bar.update(chunk.end_offset, summary.rows)
                if stop is not None and stop.is_set():
                    return summary  # this batch is committed; the chunks in flight are dropped
        finally:
            results.close()  # cancels chunks not started yet (after an error or a stop)
        bar.update(size, summary.rows)
    return summary


def _write(result: ChunkResult, chunk: Chunk, ingestor: Ingestor, summary: ImportSummary) -> None:
    summary.rows += result.rows
    summary.duplicates += result.duplicates
    summary.unmatched += result.unmatched
    for where, problem in result.rejected:
        log.warning("%s: %s (skipped)", where, problem)
    summary.rejected += len(result.rejected)
    if result.batch is not None:
        stored = ingestor.insert(result.batch, now=chunk.now)
        summary.stored += stored.inserted
        summary.duplicates += stored.duplicates  # a concurrent writer got there first
    if result.error is not None:
        raise InputError(result.error)  # --strict: everything before the bad row is stored


def _on_pool(
    pool: Executor, job: ImportJob, chunks: Iterator[Chunk], *, in_flight: int
) -> Generator[tuple[Chunk, ChunkResult]]:
    """Results in chunk order, with at most `in_flight` chunks submitted and not yet handed out."""
    pending: deque[tuple[Chunk, Future[ChunkResult]]] = deque()
    try:
        for chunk in chunks:
            pending.append((chunk, pool.submit(run_in_worker, job, chunk)))
            if len(pending) >= in_flight:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:
        for _, future in pending:
            future.cancel()


def _chunks(path: Path, fmt: FileFormat, batch_size: int, ingestor: Ingestor) -> Iterator[Chunk]:
    """The file in chunks of `batch_size` rows (blank lines do not count), each stamped with the
    ingestion time. JSONL chunks are raw lines, parsed by the worker; CSV is parsed here, since a
    quoted field may span lines and only a CSV reader knows where a row ends."""
    if fmt == "jsonl":
        yield from _jsonl_chunks(path, batch_size, ingestor)
        return
    records = read_records(path, "csv")
    while batch := list(islice(records, batch_size)):
        yield Chunk(batch[0].line, batch[-1].end_offset, ingestor.clock.now(), records=batch)


def _jsonl_chunks(path: Path, batch_size: int, ingestor: Ingestor) -> Iterator[Chunk]:
    with path.open("rb") as fh:
        first_line, offset = 1, 0
        while lines := list(islice(fh, batch_size)):
            rows = len(lines) - sum(map(bytes.isspace, lines))
            while rows < batch_size and (more := list(islice(fh, batch_size - rows))):
                lines += more  # blank lines do not count as rows
                rows += len(more) - sum(map(bytes.isspace, more))
            offset += sum(map(len, lines))
            yield Chunk(first_line, offset, ingestor.clock.now(), lines=lines)
            first_line += len(lines)
