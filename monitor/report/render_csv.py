"""The week's mentions as CSV: the `monitor export mentions` columns, formula-safe.

It is the export's own writer (monitor.mentions.export.write_csv), so the file can be imported again and a
text cell starting with `=`, `+`, `-`, `@`, tab, CR or LF gets a leading `'` (numbers stay numbers).
An empty week gives the header row alone: still a valid CSV, and plainly no mentions.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from sqlalchemy import RowMapping

from monitor.mentions.export import write_csv


def render_csv(rows: Iterable[RowMapping]) -> str:
    out = io.StringIO()
    write_csv(rows, out)
    return out.getvalue()
