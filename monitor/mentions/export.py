"""`monitor export mentions`: stored mentions as JSONL or CSV, in the import format plus scores.

An export can be imported again (the `id` column is the native id), and a CSV export is safe to
open in a spreadsheet (formula cells are neutralised by `monitor.escaping.csv_cell`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import RowMapping

from monitor.escaping import csv_cell
from monitor.terminal import plain

COLUMNS = (
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
    "source_name",
    "compound",
    "pos",
    "neu",
    "neg",
    "label",
    "scored",
    "engagement",
    "reach",
)


def export_record(row: RowMapping) -> dict[str, Any]:
    """One stored mention in the export shape; unknown input columns come last, never overriding."""
    record: dict[str, Any] = {
        "id": row["native_id"],
        "text": row["text"],
        "created_at": _iso(row["created_at"]),
        "source": row["source"],
        "brand": row["brand"],
        "author": row["author"],
        "url": row["url"],
        "title": row["title"],
        "rating": row["rating"],
        "lang": row["lang"],
        "source_name": row["source_name"],
        "compound": row["compound"],
        "pos": row["pos"],
        "neu": row["neu"],
        "neg": row["neg"],
        "label": row["label"],
        "scored": bool(row["scored"]),
        "engagement": row["engagement"],
        "reach": row["reach"],
    }
    for key, value in (row.get("extra") or {}).items():
        record.setdefault(key, value)
    return record


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def write_jsonl(rows: Iterable[RowMapping], out: TextIO, *, terminal: bool = False) -> int:
    """One JSON object per line; on a terminal every non-ASCII character is \\u-escaped, so no
    C1 control or bidi override from the internet reaches the screen."""
    n = 0
    for row in rows:
        out.write(json.dumps(export_record(row), ensure_ascii=terminal) + "\n")
        n += 1
    return n


def write_csv(rows: Iterable[RowMapping], out: TextIO, *, terminal: bool = False) -> int:
    """Fixed columns (a streamed CSV cannot grow its header); extra input columns stay in JSONL.

    On a terminal, text cells are stripped of escape sequences and control characters."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    n = 0
    for row in rows:
        record = export_record(row)
        cells = [csv_cell(_csv_value(record[c])) for c in COLUMNS]
        if terminal:
            cells = [plain(c) if isinstance(c, str) else c for c in cells]
        writer.writerow(cells)
        n += 1
    return n


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
