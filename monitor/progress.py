"""Progress for long work: a rich bar on a terminal, plain periodic lines in logs and pipes."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class ByteProgress:
    """Progress through a file by bytes read (row counts are unknown until the end)."""

    def __init__(
        self, label: str, total_bytes: int, *, stream: TextIO | None = None, every_seconds: float = 5.0
    ) -> None:
        self.label, self.total = label, max(total_bytes, 1)
        self.stream = stream or sys.stderr
        self.console = Console(file=self.stream)
        self.every = every_seconds
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._last = 0.0

    def __enter__(self) -> ByteProgress:
        if self.console.is_terminal:
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TextColumn("{task.fields[rows]:,} rows"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, rows=0)
        self._last = time.monotonic()
        return self

    def update(self, done_bytes: int, rows: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done_bytes, rows=rows)
            return
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            pct = 100.0 * done_bytes / self.total
            print(f"{self.label}: {rows:,} rows, {pct:.0f}%", file=self.stream, flush=True)

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
