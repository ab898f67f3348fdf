"""The interface language detection plugs in through.

A language the source states (X's `lang`, a CSV `lang` column) always wins; otherwise the
sentiment stage asks a `LanguageDetector`. The bundled one is `analysis.language.bundled.BundledDetector`
(model inside its package, nothing downloaded); another only has to implement this protocol.
"""

from __future__ import annotations

from typing import Protocol


class LanguageDetector(Protocol):
    def detect(self, text: str) -> str | None:
        """ISO 639-1 code, or None when the language cannot be told."""
        ...
