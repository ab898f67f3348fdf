"""Rows as polling and `monitor import` build them: `MentionRow` (one stored mention, every column of
the `mentions` table but the row id; defined by storage, whose table it is a row of).

Polling and `monitor import` build these from the first step to the insert, and the store writes them
(monitor/storage/). A NamedTuple rather than a dataclass: building one costs a fraction of a
microsecond against about thirteen for scoring its text, and a batch of them turns into columns with
one `zip`. This module imports nothing heavy: the import's scoring workers use it.
"""

from __future__ import annotations

from datetime import datetime

from connectors.types import Mention
from monitor.storage.mention_rows import MentionRow

UNSCORED_LABEL = "unscored"
# `new_row(MentionRow, (...22 values in field order...))`: what `MentionRow._make` does without the
# length check, at a third of the cost of `MentionRow(...)`'s keyword-capable __new__ (~0.5 us a row).
# For the import's per-row path, where every value is written out in field order next to the call.
new_row = tuple.__new__


def unscored_row(m: Mention, now: datetime) -> MentionRow:
    """A polled mention as a row to score, ingested at `now`."""
    return MentionRow(
        m.source, m.native_id, m.brand, m.source_name, m.created_at, m.text, m.title, m.url, m.author,
        m.lang, m.rating, m.engagement, m.reach, None, None, None, None, UNSCORED_LABEL, False,
        dict(m.raw) or None, dict(m.extra) or None, now,
    )  # fmt: skip
