"""Run inside a scoring-pool worker by tests/mentions/test_import.py: what the worker has loaded.

Its own module, importing nothing, so that unpickling this function in a worker does not itself
import what the test checks the worker did not import.
"""

from __future__ import annotations

import sys


def worker_facts() -> dict[str, object]:
    main = sys.modules.get("__main__")
    langdetect = sys.modules.get("analysis.language.bundled")
    return {
        "main_file": getattr(main, "__file__", None),
        "imported": sorted(
            m for m in ("monitor.cli", "monitor.config", "pandas", "sqlalchemy") if m in sys.modules
        ),
        "model_loaded": bool(langdetect and getattr(langdetect, "_identifiers", None)),
    }
