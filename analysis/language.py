"""The place where language detection plugs in.

The foundation only trusts a language the source states (Twitter's `lang`, a CSV `lang`
column). The sentiment issue adds a detector that ships its model inside its package; it only
has to implement `LanguageDetector`.
"""

from __future__ import annotations

from typing import Protocol


class LanguageDetector(Protocol):
    def detect(self, text: str) -> str | None:
        """ISO 639-1 code, or None when the language cannot be told."""
        ...


class StatedLanguageOnly:
    """Detects nothing: the pipeline then uses the language stated by the source, if any."""

    def detect(self, text: str) -> str | None:
        return None
