"""The report as JSON: the whole report document (monitor.report.document), every number in it.

`<`, `>` and `&` are written as \\u escapes (as Go's encoder does), so the file stays inert even
when a viewer or a web page pastes it into HTML, and U+2028/U+2029 are escaped so it is also valid
JavaScript. Non-ASCII text stays readable (UTF-8).
"""

from __future__ import annotations

import json
import math
from typing import Any

_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def finite(value: Any) -> Any:
    """NaN and infinities (JSON has none; a stored snapshot could carry one) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def render_json(doc: dict[str, Any]) -> str:
    # The characters replaced only ever occur inside JSON strings, where the \u form means the same.
    text = json.dumps(finite(doc), ensure_ascii=False, indent=2, allow_nan=False)
    return "".join(_UNSAFE.get(c, c) for c in text) + "\n"
