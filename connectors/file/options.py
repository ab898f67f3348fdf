"""Settings of a `type = "file"` source, validated when settings.toml loads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Options(BaseModel):
    """Settings of a `type = "file"` source."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="CSV or JSONL file; relative to settings.toml")
    format: Literal["auto", "csv", "jsonl"] = "auto"
    default_source: str = Field("file", description="platform name for rows without a `source` column")
    page_size: int = Field(1000, ge=1, le=100_000)
