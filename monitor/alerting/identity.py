"""An alert's identity: the same rule on the same brand (or source) is the same alert.

The fingerprint is a hash of the labels only, never of values or times, so it is stable across
restarts and processes, and an episode found firing after a restart is recognised as the one
that was firing before it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Labels:
    """What an alert is about: the rule (name and kind) and the brand or source it watches."""

    rule: str
    kind: str
    brand: str | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"rule": self.rule, "kind": self.kind, "brand": self.brand, "source": self.source}

    @property
    def fingerprint(self) -> str:
        return fingerprint(self)

    def describe(self) -> str:
        """Short human name, e.g. `negative_spike acme` or `connector_down reddit-main`."""
        subject = " ".join(x for x in (self.brand, self.source) if x)
        return f"{self.rule} {subject}".strip()


def fingerprint(labels: Labels) -> str:
    """sha256 of the canonical JSON of the labels (64 hex characters, the column's width)."""
    canonical = json.dumps(labels.as_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
