"""Streaming readers for mention files (CSV with a header, or JSONL), shared by `monitor import`
and the `file` source.

Files are read as bytes line by line so every record knows its line number (for "file:line"
errors) and the byte offset after it (so a polled file resumes where it stopped instead of
re-reading everything). Memory does not grow with the file size.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

from connectors.errors import InputError
from connectors.types import Mention

FileFormat = Literal["csv", "jsonl"]

REQUIRED_COLUMNS = ("id", "text", "created_at")
KNOWN_COLUMNS = frozenset(
    {
        "id",
        "text",
        "created_at",
        "source",
        "brand",
        "author",
        "url",
        "title",
        "rating",
        "lang",
        "engagement",
        "reach",
    }
)
# Columns `monitor export mentions` adds; they are recomputed on import, not kept as extras.
DERIVED_COLUMNS = frozenset({"source_name", "compound", "pos", "neu", "neg", "label", "scored"})
_NOT_EXTRA = KNOWN_COLUMNS | DERIVED_COLUMNS
# A JSON escape of a UTF-16 surrogate: only such a line can hold a string UTF-8 cannot encode.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_BOM = b"\xef\xbb\xbf"
# Counts are stored as 64-bit integers (SQLite INTEGER, PostgreSQL BIGINT): a larger one is bad input.
MAX_COUNT = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Record:
    """One row of a mention file; `error` is set instead of `fields` when the row cannot be read."""

    line: int
    fields: dict[str, Any] | None
    end_offset: int  # byte offset just after this record: where to resume
    error: str | None = None


def detect_format(path: Path) -> FileFormat:
    """By extension, else by the first non-blank byte ('{' means JSONL)."""
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv"}:
        return "csv"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(_BOM).lstrip()
    return "jsonl" if head.startswith(b"{") else "csv"


def read_records(
    path: Path,
    fmt: FileFormat | None = None,
    *,
    start_offset: int = 0,
    start_line: int = 1,
    required: tuple[str, ...] = REQUIRED_COLUMNS,
) -> Iterator[Record]:
    """Yield the records of `path` from `start_offset` (a value taken from `Record.end_offset`).

    `required` columns are checked in a CSV header (a missing one makes the file unusable);
    JSONL rows are checked one by one by whoever turns them into records.
    """
    fmt = fmt or detect_format(path)
    if fmt == "jsonl":
        yield from _read_jsonl(path, start_offset, start_line)
    else:
        yield from _read_csv(path, start_offset, start_line, required)


def _read_jsonl(path: Path, start_offset: int, start_line: int) -> Iterator[Record]:
    with path.open("rb") as fh:
        fh.seek(start_offset)
        offset, line_no = start_offset, start_line - 1
        for raw in fh:
            line_no += 1
            offset += len(raw)
            record = jsonl_record(line_no, raw, offset)
            if record is not None:
                yield record


def jsonl_record(line_no: int, raw: bytes, end_offset: int = 0) -> Record | None:
    """One line of a JSONL file as a Record, or None when there is nothing to read: a blank line, or an
    unfinished last line (invalid JSON and no newline: a line still being written is left for the next
    poll). Split out of the reader so `monitor import` can parse lines in its worker processes."""
    if line_no == 1:
        raw = raw.removeprefix(_BOM)
    stripped = raw.strip()
    if not stripped:
        return None
    try:
        value = json.loads(stripped)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        if not raw.endswith(b"\n"):
            return None  # only the file's last line can lack a newline, so nothing follows it
        return Record(line_no, None, end_offset, f"invalid JSON ({_short(exc)})")
    if not isinstance(value, dict):
        return Record(line_no, None, end_offset, f"expected a JSON object, got {type(value).__name__}")
    if SURROGATE_ESCAPE.search(stripped):
        for key, item in value.items():
            for s in (key, item):
                if isinstance(s, str) and not s.isascii():
                    try:
                        s.encode("utf-8")
                    except UnicodeEncodeError:
                        # JSON can spell a lone UTF-16 surrogate ("\ud800"); no database can store it.
                        return Record(
                            line_no, None, end_offset, f"{key}: not valid Unicode (a lone surrogate)"
                        )
    return Record(line_no, value, end_offset)


class _LineFeed:
    """Feeds decoded lines to csv.reader while counting bytes and lines consumed.

    csv.reader pulls exactly the lines a record needs (several for quoted newlines), so after
    each record `offset` is where the next one starts.
    """

    def __init__(self, fh: Any, offset: int, line: int) -> None:
        self.fh, self.offset, self.line = fh, offset, line

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        raw = self.fh.readline()
        if not raw:
            raise StopIteration
        self.offset += len(raw)
        self.line += 1
        if self.line == 1:
            raw = raw.removeprefix(_BOM)
        return raw.decode("utf-8", errors="replace")


def _read_csv(path: Path, start_offset: int, start_line: int, required: tuple[str, ...]) -> Iterator[Record]:
    with path.open("rb") as fh:
        header_feed = _LineFeed(fh, 0, 0)
        try:
            header = next(csv.reader(header_feed))
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"{path}:1: unreadable CSV header ({exc})") from None
        header = [h.strip() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(f"{path}:1: missing required column(s): {', '.join(missing)}")
        if start_offset > header_feed.offset:
            fh.seek(start_offset)
            feed = _LineFeed(fh, start_offset, start_line - 1)
        else:
            feed = header_feed
        reader = csv.reader(feed)
        while True:
            first_line = feed.line + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Record(first_line, None, feed.offset, f"malformed CSV ({exc})")
                continue
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield Record(
                    first_line,
                    None,
                    feed.offset,
                    f"expected {len(header)} fields as in the header, got {len(row)}",
                )
                continue
            yield Record(first_line, dict(zip(header, row, strict=True)), feed.offset)


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120]


def parse_time(value: Any) -> datetime:
    """ISO 8601 to an aware UTC datetime; a time without an offset is UTC (DESIGN.md)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        parsed = datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"not an ISO 8601 time: {value!r}")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)  # "+00:00" parses to UTC itself


def _opt_str(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _opt_int(
    fields: dict[str, Any], name: str, low: int | None = None, high: int | None = None
) -> int | None:
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a whole number, got {value!r}") from None
    if isinstance(value, bool) or number != int(number):
        raise ValueError(f"{name}: expected a whole number, got {value!r}")
    result = int(number)
    if high is not None and low is not None and not low <= result <= high:
        raise ValueError(f"{name}: expected {low}-{high}, got {value!r}")
    if low is not None and result < low:
        raise ValueError(f"{name}: expected at least {low}, got {value!r}")
    return result


def _opt_count(fields: dict[str, Any], name: str) -> int | None:
    count = _opt_int(fields, name, 0)
    if count is not None and count > MAX_COUNT:
        raise ValueError(f"{name}: {fields[name]!r} is too large (counts are stored as 64-bit integers)")
    return count


def record_to_mention(
    fields: dict[str, Any],
    *,
    where: str,
    source_name: str,
    default_source: str = "file",
    brand: str | None = None,
    assigned: bool = False,
) -> Mention:
    """Turn one row into a Mention, or raise InputError naming `where` (file:line) and the field.

    `brand` is used when the row has no `brand` column; a row's own brand wins and marks the
    mention as assigned by the source (no keyword re-check, DESIGN.md), as does `assigned`
    (the caller already decided the brand, e.g. `monitor import --brand`).
    """
    try:
        values = record_values(
            fields, source_name=source_name, default_source=default_source, brand=brand, assigned=assigned
        )
        return Mention(**values._asdict())
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None


class RecordValues(NamedTuple):
    """What `record_values` returns: Mention's first 14 fields in their order, then `extra`."""

    source: str
    native_id: str
    brand: str
    text: str
    created_at: datetime
    source_name: str
    url: str | None
    author: str | None
    title: str | None
    lang: str | None
    rating: int | None
    engagement: int | None
    reach: int | None
    brand_assigned: bool
    extra: dict[str, Any]


# `tuple.__new__(RecordValues, (...))` builds one without the keyword-capable __new__: a third of
# the cost, on a path that runs once per imported row.
_new_values = tuple.__new__


def record_values(
    fields: dict[str, Any],
    *,
    source_name: str,
    default_source: str = "file",
    brand: str | None = None,
    assigned: bool = False,
) -> RecordValues:
    """`record_to_mention`'s checks and values without building the Mention, or ValueError naming
    the field. `monitor import` turns hundreds of
    thousands of rows into stored rows with it; a frozen dataclass per row is a cost it can skip."""
    # Optional columns are usually absent: `get(...) is None` spares those the helper call.
    get = fields.get
    native_id = _opt_str(fields, "id")
    if native_id is None:
        raise ValueError("id: missing or empty")
    text = get("text")
    if text is None:
        raise ValueError("text: missing")
    if not isinstance(text, str):
        raise ValueError(f"text: expected a string, got {type(text).__name__}")
    try:
        created_at = parse_time(get("created_at"))
    except (ValueError, TypeError):
        raise ValueError(f"created_at: not an ISO 8601 time: {get('created_at')!r}") from None
    rating = None if get("rating") is None else _opt_int(fields, "rating", 1, 5)
    if rating is None and not text.strip():
        raise ValueError("text: empty (and no rating)")
    row_brand = None if get("brand") is None else _opt_str(fields, "brand")
    chosen = row_brand or brand
    if chosen is None:
        raise ValueError("brand: missing, and no brand given for the file")
    lang = None if get("lang") is None else _opt_str(fields, "lang")
    return _new_values(RecordValues, (
        ((None if get("source") is None else _opt_str(fields, "source")) or default_source).lower(),
        native_id,
        chosen,
        text,
        created_at,
        source_name,
        None if get("url") is None else _opt_str(fields, "url"),
        None if get("author") is None else _opt_str(fields, "author"),
        None if get("title") is None else _opt_str(fields, "title"),
        lang.lower().split("-")[0].split("_")[0] if lang else None,
        rating,
        None if get("engagement") is None else _opt_count(fields, "engagement"),
        None if get("reach") is None else _opt_count(fields, "reach"),
        assigned or row_brand is not None,
        {}
        if fields.keys() <= _NOT_EXTRA  # the common case, checked in one set operation
        else {k: v for k, v in fields.items() if k is not None and k not in _NOT_EXTRA},
    ))  # fmt: skip
