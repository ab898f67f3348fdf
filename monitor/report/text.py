"""Mention text and links made safe to show in a report, whatever the format.

Text from the internet is hostile. Every renderer escapes for its own format (Jinja2 autoescape for
HTML, `render_md.md` for Markdown, `monitor.escaping.csv_cell` for CSV); what is common to all of
them happens here: control characters and terminal escape sequences are dropped (they mean nothing
in a report and could recolour a terminal that prints the Markdown or JSON), and only http(s) URLs
survive as links.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from monitor.terminal import plain

TEXT_LIMIT = 600  # characters of a mention shown in the report (the CSV has the whole text)

# Kept as they are in a URL; everything else is percent-encoded, including quotes, spaces,
# angle brackets and parentheses (which would end a Markdown link).
_URL_SAFE = "/:?#[]@!$&*+,;=%~-._"


def safe_url(url: object) -> str | None:
    """An http or https URL with a host, percent-encoded so it cannot break out of an HTML attribute
    or a Markdown link; None for anything else (`javascript:`, `data:`, relative, garbage)."""
    if not isinstance(url, str):
        return None
    candidate = url.strip()
    if not candidate or any(ord(c) < 0x20 or ord(c) == 0x7F for c in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return quote(candidate, safe=_URL_SAFE)


def display_text(text: object, *, limit: int | None = TEXT_LIMIT) -> str:
    """Mention text without control characters or escape sequences, shortened for display."""
    if not isinstance(text, str):
        return ""
    return plain(text.strip(), limit=limit)


def display_name(value: object, *, limit: int = 120) -> str:
    """An author, source or title: one line, no control characters."""
    if not isinstance(value, str):
        return ""
    return plain(value, one_line=True, limit=limit)
