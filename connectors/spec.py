"""What a connector is given to build itself: its validated settings, free of the monitor's config."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One `[[sources]]` entry after validation.

    `options` is the connector's own pydantic `Options` instance; `base_dir` is the folder of
    settings.toml, against which relative paths resolve (so the daemon works from any cwd).
    """

    name: str
    type: str
    options: Any
    base_url: str | None = None
    timeout: float = 30.0
    base_dir: Path = field(default_factory=Path.cwd)
    # Seconds a time-based cursor is moved back on resume, so items that the API indexes late are
    # not missed between polls; what comes back twice is dropped by the store's identity key.
    overlap: float = 300.0
