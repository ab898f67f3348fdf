"""The fetching of the `file` source; see `connectors.file` for what it reads and its cursor."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.base import CursorCodec, read_cursor
from connectors.errors import ConnectorError, InputError
from connectors.file.options import Options
from connectors.records import read_records, record_to_mention
from connectors.spec import SourceSpec
from connectors.types import BrandQuery, Mention, Page

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Position:
    """Where reading stopped: the byte offset and line number of the next row, and the file's size."""

    offset: int
    line: int
    size: int

    def to_json(self) -> dict[str, int]:
        return {"offset": self.offset, "line": self.line, "size": self.size}

    @classmethod
    def from_json(cls, data: Any) -> Position:
        return cls(int(data["offset"]), int(data["line"]), int(data.get("size", 0)))


# The cursor as JSON: {"offset": ..., "line": ..., "size": ...}; none before the first poll.
CURSOR: CursorCodec[Position | None] = CursorCodec(
    Position.from_json, lambda p: p.to_json() if p else None, empty=lambda: None
)


class FileConnector:
    """Reads a mention file from the stored byte offset (the cursor: a `Position`)."""

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.options: Options = spec.options
        path = Path(self.options.path).expanduser()
        self.path = path if path.is_absolute() else spec.base_dir / path

    def fetch(self, query: BrandQuery, since_cursor: str | None) -> Iterator[Page]:
        if not self.path.is_file():
            raise ConnectorError(f"{self.spec.name}: file not found: {self.path}", source=self.spec.name)
        size = self.path.stat().st_size
        offset, line = 0, 1
        start = read_cursor(since_cursor, CURSOR, self.spec.name)
        # A file that shrank was replaced or rotated: read it again from the top; the store's
        # identity key keeps rows seen before from being stored twice.
        if start is not None and start.size <= size:
            offset, line = start.offset, start.line
        if offset >= size:
            return
        fmt = None if self.options.format == "auto" else self.options.format
        mentions: list[Mention] = []
        rejected = 0
        try:
            for record in read_records(self.path, fmt, start_offset=offset, start_line=line):
                offset, line = record.end_offset, record.line + 1
                where = f"{self.path}:{record.line}"
                if record.fields is None:
                    log.warning("%s: %s: skipped (%s)", self.spec.name, where, record.error)
                    rejected += 1
                else:
                    row_brand = record.fields.get("brand")
                    if row_brand and str(row_brand).strip() != query.brand:
                        continue  # another brand's row; its own poll job takes it
                    try:
                        mentions.append(
                            record_to_mention(
                                record.fields,
                                where=where,
                                source_name=self.spec.name,
                                default_source=self.options.default_source,
                                brand=query.brand,
                            )
                        )
                    except InputError as exc:
                        log.warning("%s: %s: skipped", self.spec.name, exc)
                        rejected += 1
                if len(mentions) >= self.options.page_size:
                    yield Page(tuple(mentions), self._cursor(offset, line, size), rejected)
                    mentions, rejected = [], 0
        except InputError as exc:  # an unreadable header: the whole file is unusable
            raise ConnectorError(f"{self.spec.name}: {exc}", source=self.spec.name) from None
        except OSError as exc:
            raise ConnectorError(
                f"{self.spec.name}: cannot read {self.path}: {exc}", source=self.spec.name
            ) from None
        yield Page(tuple(mentions), self._cursor(offset, line, size), rejected)

    @staticmethod
    def _cursor(offset: int, line: int, size: int) -> str | None:
        return CURSOR.dump(Position(offset, line, max(size, offset)))
