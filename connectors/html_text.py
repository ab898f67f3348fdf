"""HTML to plain text, for sources that deliver HTML (Mastodon statuses, RSS/Atom entries,
YouTube comments): the text we score and show must be what a reader sees, not markup.

Stdlib only: `html.parser` is lenient with the broken markup feeds are full of, and we need no
layout, only words and line breaks. Scripts, styles and templates are dropped with their content.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# A paragraph-like element is set off by a blank line; a line-like one starts a new line.
_PARA = frozenset(
    {
        "p",
        "blockquote",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "ul",
        "ol",
        "table",
        "section",
        "article",
        "hr",
    }
)
_LINE = frozenset({"br", "li", "tr", "div", "dd", "dt", "header", "footer"})
_DROP = frozenset({"script", "style", "template", "noscript", "head", "title"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_NEWLINES = re.compile(r"\n\s*\n\s*\n+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self._dropping += 1
        elif tag in _PARA:
            self.parts.append("\n\n")
        elif tag in _LINE:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _PARA or tag in _LINE:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _PARA:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def html_to_text(markup: str | None) -> str:
    """Visible text of an HTML fragment: entities decoded, block elements as line breaks,
    runs of spaces collapsed, at most one blank line in a row, no leading/trailing space."""
    if not markup:
        return ""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _NEWLINES.sub("\n\n", "\n".join(lines)).strip()
