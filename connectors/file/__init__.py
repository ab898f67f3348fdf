"""The `file` source: a CSV or JSONL file of mentions (exports of other tools, backfills, the
bundled example data). Polling it picks up rows appended since the last poll.
"""

from __future__ import annotations

from connectors.file.options import Options
from connectors.spec import SourceSpec
from connectors.types import Connector

__all__ = ["Options", "build"]


def build(spec: SourceSpec) -> Connector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery."""
    from connectors.file.connector import FileConnector

    return FileConnector(spec)
