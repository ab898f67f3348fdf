"""The connector contract, as data: each connector registers a `Case` that knows how to make its
source return some mentions, then more, then fail. tests/test_connector_contract.py runs the
same checks on every case (paging, cursor resume, dedupe, error mapping, health).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

T0 = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)


@dataclass
class Case:
    """How to drive one connector type through the contract.

    Each callable gets (tmp_path, replay) - replay is None for connectors without HTTP - and
    returns what the contract needs. `source_toml` returns the body of the [[sources]] table
    (without name/interval); `first` prepares the first poll and returns how many mentions of
    brand "acme" it must store (at least two pages' worth where the connector pages); `more`
    prepares a second poll with new items and returns how many are new; `nothing_new` prepares
    a poll that finds nothing new; `broken` makes the next poll fail.
    """

    type: str
    source_toml: Callable[[Path, Any], str]
    first: Callable[[Path, Any], int]
    more: Callable[[Path, Any], int]
    nothing_new: Callable[[Path, Any], None]
    broken: Callable[[Path, Any], None]
    env: dict[str, str] = field(default_factory=dict)
    uses_replay: bool = False


# -- the file connector ---------------------------------------------------------------------------


def _file_rows(start: int, n: int) -> str:
    return "".join(
        json.dumps(
            {
                "id": f"f{i}",
                "text": f"acme corp post {i}",
                "created_at": (T0 + timedelta(minutes=i)).isoformat(),
            }
        )
        + "\n"
        for i in range(start, start + n)
    )


def _file_first(tmp: Path, _replay: Any) -> int:
    (tmp / "feed.jsonl").write_text(_file_rows(0, 25), encoding="utf-8")
    return 25


def _file_more(tmp: Path, _replay: Any) -> int:
    with (tmp / "feed.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(_file_rows(25, 4))
    return 4


def _file_broken(tmp: Path, _replay: Any) -> None:
    (tmp / "feed.jsonl").rename(tmp / "feed.gone")


FILE = Case(
    type="file",
    source_toml=lambda tmp, _r: f'type = "file"\npath = "{tmp / "feed.jsonl"}"\npage_size = 10\n',
    first=_file_first,
    more=_file_more,
    nothing_new=lambda tmp, _r: None,
    broken=_file_broken,
)

CASES: list[Case] = [FILE]
