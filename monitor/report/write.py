"""Make a week's report files: gather once, render each format, write each file atomically.

File names: `report-2026-W47.<ext>` for the report of every section brand, `report-2026-W47-acme.<ext>`
for one brand (`--brand`). A file is written to a temporary name and renamed, so a reader (or the
e-mail that attaches it) never sees half a report.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from connectors.errors import MonitorError
from monitor.config import Settings
from monitor.config.report import FORMATS, Format
from monitor.report.data import ReportData, gather
from monitor.report.document import build_document
from monitor.report.week import IsoWeek
from monitor.storage.store import Store

log = logging.getLogger(__name__)

EXTENSIONS: dict[str, str] = {"html": "html", "md": "md", "csv": "csv", "json": "json"}
_NAME = re.compile(r"^report-(\d{4}-W\d{2})(?:-[a-z0-9][a-z0-9_.-]*)?\.(?:html|md|csv|json)$")


@dataclass(frozen=True)
class Written:
    week: IsoWeek
    files: list[Path]
    data: ReportData
    html: str | None  # the HTML text, when written (the e-mail body)


def file_name(week: IsoWeek, fmt: str, brand: str | None = None) -> str:
    return f"report-{week}{'-' + brand if brand else ''}.{EXTENSIONS[fmt]}"


def write_report(
    settings: Settings,
    store: Store,
    week: IsoWeek,
    *,
    formats: Sequence[Format],
    output: Path,
    now: datetime,
    brand: str | None = None,
) -> Written:
    """Gather the week once and write each requested format into `output`."""
    data = gather(settings, store, week, now=now, brand=brand)
    doc = build_document(data)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MonitorError(f"report output {output}: cannot create the folder: {exc.strerror}") from None
    files: list[Path] = []
    html: str | None = None
    for fmt in (f for f in FORMATS if f in formats):
        text = _render(fmt, doc, data)
        if fmt == "html":
            html = text
        path = output / file_name(week, fmt, brand)
        _atomic_write(path, text)
        files.append(path)
    return Written(week, files, data, html)


def _render(fmt: str, doc: dict, data: ReportData) -> str:
    # Imported here: matplotlib and Jinja2 cost a second to load, and only the formats asked for
    # need them.
    if fmt == "html":
        from monitor.report.charts import charts_for
        from monitor.report.render_html import render_html

        return render_html(doc, charts_for(doc))
    if fmt == "md":
        from monitor.report.render_md import render_md

        return render_md(doc)
    if fmt == "json":
        from monitor.report.render_json import render_json

        return render_json(doc)
    from monitor.report.render_csv import render_csv

    return render_csv(data.mentions)


def _atomic_write(path: Path, text: str) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise MonitorError(f"report output {path}: cannot write: {exc.strerror}") from None


def prune(output: Path, keep: int) -> list[Path]:
    """Delete report files of all but the newest `keep` weeks in `output` (0: keep every week).

    Only files named like ours (`report-YYYY-Www[-brand].ext`) are touched."""
    if keep <= 0 or not output.is_dir():
        return []
    by_week: dict[str, list[Path]] = {}
    for path in output.iterdir():
        m = _NAME.match(path.name)
        if m and path.is_file():
            by_week.setdefault(m.group(1), []).append(path)
    removed: list[Path] = []
    for week in sorted(by_week)[:-keep]:  # "2026-W05" sorts before "2026-W47" and "2027-W01"
        for path in by_week[week]:
            try:
                path.unlink()
                removed.append(path)
            except OSError as exc:
                log.warning("report: cannot delete old report %s: %s", path, exc.strerror)
    return removed
