"""HTML from feeds and toots becomes the text a reader sees."""

from __future__ import annotations

import pytest

from connectors.html_text import html_to_text


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        (
            '<p>Loving <a href="https://x.example/tags/acme" class="mention">#<span>acme</span></a> now!</p>',
            "Loving #acme now!",
        ),
        ("<p>line one<br>line two</p><p>next &amp; last</p>", "line one\nline two\n\nnext & last"),
        ("<script>alert(1)</script><style>p{}</style>visible", "visible"),
        ("a&nbsp;&nbsp; b&lt;c&gt;", "a b<c>"),
        ("<p>unclosed <b>bold", "unclosed bold"),
        ("", ""),
        (None, ""),
        ("plain text, no tags", "plain text, no tags"),
        ("<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
    ],
)
def test_html_to_text(markup: str | None, text: str) -> None:
    assert html_to_text(markup) == text


def test_escaped_markup_stays_text() -> None:
    # Entity-escaped tags are content, not markup: they come out as the characters the author typed.
    assert html_to_text("&lt;script&gt;alert(1)&lt;/script&gt;") == "<script>alert(1)</script>"
