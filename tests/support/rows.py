"""Mention rows for tests that write stored mentions directly, given as dicts keyed by column."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from monitor.storage.mention_rows import MentionRow
from monitor.storage.store import CursorUpdate, Store, StoreResult


def mention_row(columns: Mapping[str, Any]) -> MentionRow:
    """A row from its columns; a column not given is NULL."""
    return MentionRow._make(columns.get(c) for c in MentionRow._fields)


def insert_dicts(
    store: Store, rows: Iterable[Mapping[str, Any]], cursor: CursorUpdate | None = None, *, now: datetime
) -> StoreResult:
    """`Store.insert_mentions` for rows given as dicts keyed by column."""
    return store.insert_mentions([mention_row(r) for r in rows], cursor, now=now)
