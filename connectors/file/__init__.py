"""The `file` source: a CSV or JSONL file of mentions (exports of other tools, backfills, the
bundled example data). Polling it picks up rows appended since the last poll.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from connectors.spec import SourceSpec

if TYPE_CHECKING:
    from connectors.file.connector import FileConnector


class Options(BaseModel):
    """Settings of a `type = "file"` source."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="CSV or JSONL file; relative to settings.toml")
    format: Literal["auto", "csv", "jsonl"] = "auto"
    default_source: str = Field("file", description="platform name for rows without a `source` column")
    page_size: int = Field(1000, ge=1, le=100_000)


def build(spec: SourceSpec) -> FileConnector:
    """The connector of one configured source. Imported here, not at the top, so that validating
    settings (which needs only `Options`) does not load the fetching machinery."""
    from connectors.file.connector import FileConnector

    return FileConnector(spec)
