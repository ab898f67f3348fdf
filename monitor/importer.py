"""`monitor import FILE`: backfill mentions from CSV or JSONL.

Streamed (memory does not grow with the file), written in batches that each commit atomically,
idempotent (the identity key makes a rerun store nothing twice, so a killed import is simply
run again), and silent towards alerting: a backfill is history, and history never notifies.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from connectors.errors import InputError
from connectors.records import FileFormat, read_records, record_to_mention
from connectors.types import Mention
from monitor.config import Settings
from monitor.pipeline import BatchResult, Ingestor
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
    batch_size: int = 1000,
    progress: bool = True,
    stop: threading.Event | None = None,
) -> ImportSummary:
    """Import `path`. A row naming a brand is that brand's; otherwise `brand`, otherwise every
    brand whose query matches the row. Bad rows are reported as file:line and skipped, or stop
    the import when `strict` (rows already committed stay: the import can be rerun)."""
    if brand is not None:
        settings.brand(brand)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    summary = ImportSummary()
    batch: list[Mention] = []

    def flush() -> None:
        result: BatchResult = ingestor.ingest(batch)  # already matched here; no re-check
        summary.stored += result.stored
        summary.duplicates += result.duplicates
        batch.clear()

    def reject(where: str, message: str) -> None:
        if strict:
            if batch:
                flush()  # everything before the bad row is stored, so the message is simple to act on
            raise InputError(f"{where}: {message}")
        log.warning("%s: %s (skipped)", where, message)
        summary.rejected += 1

    with ByteProgress(
        f"import {path.name}", path.stat().st_size, every_seconds=5 if progress else 1e9
    ) as bar:
        for record in read_records(path, fmt):
            summary.rows += 1
            where = f"{path}:{record.line}"
            if record.fields is None:
                reject(where, record.error or "unreadable row")
                continue
            try:
                mentions = _mentions_for(record.fields, where, settings, brand, default_source, source_name)
            except InputError as exc:
                reject(where, str(exc).removeprefix(f"{where}: "))
                continue
            if not mentions:
                summary.unmatched += 1
            batch.extend(mentions)
            if len(batch) >= batch_size:
                flush()
                bar.update(record.end_offset, summary.rows)
                if stop is not None and stop.is_set():
                    return summary
        if batch:
            flush()
        bar.update(path.stat().st_size, summary.rows)
    return summary


def _mentions_for(
    fields: dict, where: str, settings: Settings, brand: str | None, default_source: str, source_name: str
) -> list[Mention]:
    row_brand = str(fields.get("brand") or "").strip() or None
    if row_brand is not None and row_brand not in settings.brands:
        raise InputError(
            f"{where}: brand {row_brand!r} is not configured (configured: {', '.join(settings.brands)})"
        )
    chosen = row_brand or brand
    if chosen is not None:
        return [
            record_to_mention(
                fields,
                where=where,
                source_name=source_name,
                default_source=default_source,
                brand=chosen,
                assigned=True,
            )
        ]
    # No brand named: the row belongs to every brand whose query matches it.
    first = next(iter(settings.brands))
    m = record_to_mention(
        fields, where=where, source_name=source_name, default_source=default_source, brand=first
    )
    return [
        dataclasses.replace(m, brand=b.name, brand_assigned=True)
        for b in settings.brands.values()
        if b.query.matches(m.text, title=m.title, author=m.author, source=m.source, lang=m.lang)
    ]
