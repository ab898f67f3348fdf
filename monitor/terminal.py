"""Text from the internet, made safe for a terminal.

Mention text printed by the CLI must not move the cursor, recolour the screen, set the window
title (OSC), or reorder itself with bidi overrides, and must not be read as rich markup: it goes
through `plain()` and is printed with markup and highlighting off.
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-byte ESC sequences, and the 8-bit CSI.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
)
# C0 and C1 controls except tab/newline, DEL, and Unicode bidi / direction controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: str | None, *, one_line: bool = False, limit: int | None = None) -> str:
    """Strip escape sequences and control characters; optionally fold to one line and shorten."""
    if not text:
        return ""
    out = _CONTROLS.sub("", _ESCAPES.sub("", text))
    if one_line:
        out = " ".join(out.split())
    if limit is not None and len(out) > limit:
        out = out[: max(limit - 1, 0)] + "…"
    return out
