"""Hostile mentions come out inert in every report format; the HTML parses and embeds its charts.

The hostile rows go in through `monitor import` (the real pipeline scores them), and they are made
positive or negative so that they land in the top-mention lists and so in the HTML and Markdown, not
only in the CSV. `[report] top_n` is raised so every one of them is shown.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from monitor.cli import report as cli_report
from monitor.clock import FixedClock
from monitor.report.render_html import PNG_MAGIC, png_size
from tests.conftest import Env

# (id, text, url): every text carries a plainly positive or negative phrase, so VADER labels it.
HOSTILE: list[tuple[str, str, str]] = [
    ("h-script", "<script>alert(1)</script> I love acme, great app", "https://example.org/a"),
    (
        "h-hyperlink",
        '=HYPERLINK("http://evil.example","x") acme is great and I love it',
        "https://example.org/b",
    ),
    ("h-sum", "@SUM(1+1) acme is awful, terrible, I hate it", "https://example.org/c"),
    ("h-channel", "<!channel> acme is terrible and broken, awful", "https://example.org/d"),
    ("h-js-url", "acme is wonderful, love it", "javascript:alert(1)"),
    ("h-minus", "-2+3 acme is great, love it", "https://example.org/e"),
    ("h-plus", "+1 acme is awful and terrible", "https://example.org/f"),
    ("h-tab", "\tacme tab start, great and lovely", "https://example.org/g"),
    ("h-cr", "\racme carriage return start, terrible and awful", "https://example.org/h"),
    ("h-lf", "\nacme line feed start, love it, great", "https://example.org/i"),
    (
        "h-md",
        "acme [click](javascript:alert(1)) **bold** `code` | cell | great love",
        "https://example.org/j",
    ),
    ("h-img", 'acme <img src=x onerror="alert(1)"> is terrible awful', "https://example.org/k?a=1&b=<2>"),
    ("h-quote", 'acme " onmouseover="alert(1) is great love', 'https://example.org/l" onclick="alert(1)'),
]
HOSTILE_AUTHOR = "<b onmouseover=alert(1)>@everyone</b>"
WEEK = "2026-W47"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def write_hostile(env: Env) -> Path:
    path = env.dir / "hostile.jsonl"
    lines = []
    for i, (native_id, text, url) in enumerate(HOSTILE):
        lines.append(
            json.dumps(
                {
                    "id": native_id,
                    "text": text,
                    "created_at": f"2026-11-{17 + i % 5}T10:{i:02d}:00Z",
                    "source": "x",
                    "brand": "acme",
                    "author": HOSTILE_AUTHOR if native_id == "h-script" else f"user{i}",
                    "url": url,
                    "lang": "en",
                    "engagement": 100 + i,
                    "title": "=cmd|' /C calc'!A0" if native_id == "h-sum" else None,
                }
            )
        )
    # A plain mention of the competitor, so share of voice has two brands.
    lines.append(
        json.dumps(
            {"id": "g1", "text": "globex is fine", "created_at": "2026-11-18T10:00:00Z", "brand": "globex"}
        )
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def reports(env: Env, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setattr(cli_report, "CLOCK", FixedClock(NOW))  # the week is over
    env.write(extra="[report]\ntop_n = 20\n")
    code, _, err = env.cli("import", str(write_hostile(env)), capsys=capsys)
    assert code == 0, err
    out = env.dir / "out"
    code, stdout, err = env.cli(
        "report", "--week", WEEK, "--format", "all", "--output", str(out), capsys=capsys
    )
    assert code == 0, err
    names = [Path(line).name for line in stdout.split()]
    assert names == [f"report-{WEEK}.{ext}" for ext in ("html", "md", "csv", "json")]
    # Bytes decoded as they are: read_text() would turn a CR inside a CSV cell into LF.
    return {
        ext: (out / f"report-{WEEK}.{ext}").read_bytes().decode("utf-8")
        for ext in ("html", "md", "csv", "json")
    }


class Page(HTMLParser):
    """Every element with its attributes, and the text, of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def test_html_is_inert(reports: dict[str, str]) -> None:
    html = reports["html"]
    page = parse(html)
    tags = [t for t, _ in page.elements]
    assert "script" not in tags and "iframe" not in tags and "object" not in tags
    assert tags.count("img") >= 3  # only our charts: no <img> from a mention
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            assert not name.startswith("on"), f"<{tag} {name}=...> event handler from mention text"
            assert "javascript:" not in (value or "").lower(), f"<{tag} {name}={value!r}>"
        if tag == "img":
            assert (attrs.get("src") or "").startswith("data:image/png;base64,")
        if tag == "a":
            assert re.match(r"^https?://[^\s\"'<>]+$", attrs.get("href") or ""), attrs
    text = "".join(page.text)
    # The payloads are shown, as text.
    for payload in (
        "<script>alert(1)</script>",
        "<!channel>",
        '=HYPERLINK("http://evil.example","x")',
        "@SUM(1+1)",
    ):
        assert payload in text
    assert HOSTILE_AUTHOR in text
    assert "<script" not in html.lower() and "<!channel>" not in html
    # The javascript: mention is listed without a link; the others link to their (encoded) URLs.
    hrefs = [a.get("href") for t, a in page.elements if t == "a"]
    assert "https://example.org/a" in hrefs
    assert "https://example.org/k?a=1&b=%3C2%3E" in hrefs
    assert "https://example.org/l%22%20onclick=%22alert%281%29" in hrefs
    assert "acme is wonderful, love it" in text
    # No network: a CSP forbids every fetch and script, and nothing refers to another resource.
    csp = next(
        a["content"]
        for t, a in page.elements
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in (csp or "")
    for tag, attrs in page.elements:
        if tag in {"link", "script", "iframe", "source", "video", "audio", "embed"}:
            pytest.fail(f"<{tag}> in a self-contained report")
        if tag == "img":
            assert attrs["src"].startswith("data:")  # type: ignore[union-attr]


def test_markdown_is_inert(reports: dict[str, str]) -> None:
    md = reports["md"]
    assert "<" not in md.replace("&lt;", "") and ">" not in md.replace(
        "&gt;", ""
    )  # no raw HTML, no <!channel>
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in md
    assert "&lt;\\!channel&gt;" in md
    assert "javascript:" not in "".join(re.findall(r"\]\(([^)]*)\)", md))  # no javascript: link target
    for target in re.findall(r"\]\(([^)]*)\)", md):
        assert re.match(r"^https?://\S+$", target), target
    assert "\\[click\\]\\(javascript:alert\\(1\\)\\)" in md  # shown, escaped, not a link
    assert "\\*\\*bold\\*\\* \\`code\\` \\| cell \\|" in md  # no emphasis, code or extra table cells
    assert "\\@everyone" in md and "\\@SUM\\(1\\+1\\)" in md  # no chat pings
    for line in md.splitlines():  # a mention never starts a line of its own (heading, list, quote)
        assert not re.match(r"^\s*(=|@|\\?\+1|-2|acme|&lt;)", line), line
    # Control characters from mention text are gone (tab/CR/LF at the start were folded away).
    assert "\r" not in md and "\t" not in md


def test_csv_is_inert_and_numbers_stay_numbers(reports: dict[str, str]) -> None:
    rows = list(csv.DictReader(io.StringIO(reports["csv"])))
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {i for i, _, _ in HOSTILE} | {"g1"}  # every section brand's mentions of the week
    texts = {i: t for i, t, _ in HOSTILE}
    for native_id in ("h-hyperlink", "h-sum", "h-minus", "h-plus", "h-tab", "h-cr", "h-lf"):
        cell = by_id[native_id]["text"]
        assert cell == "'" + texts[native_id], native_id
    assert by_id["h-sum"]["title"] == "'=cmd|' /C calc'!A0"
    assert by_id["h-script"]["text"] == texts["h-script"]  # not a formula: left as it is
    assert by_id["h-js-url"]["url"] == "javascript:alert(1)"  # plain text in a cell, not a link
    negative = [r for r in rows if r["label"] == "negative"]
    assert negative and all(re.match(r"^-0\.\d+$", r["compound"]) for r in negative)  # numbers, no '
    assert all(by_id[i]["engagement"].isdigit() for i, _, _ in HOSTILE)


def test_json_is_inert(reports: dict[str, str]) -> None:
    raw = reports["json"]
    assert not set("<>&") & set(raw)  # written as \u003c, \u003e, \u0026
    doc = json.loads(raw)
    acme = doc["sections"][0]
    shown = {m["text"]: m for m in acme["top_positive"] + acme["top_negative"]}
    assert "<script>alert(1)</script> I love acme, great app" in shown
    assert shown["acme is wonderful, love it"]["url"] is None  # javascript: dropped
    assert shown["<script>alert(1)</script> I love acme, great app"]["author"] == HOSTILE_AUTHOR
    for m in shown.values():
        assert m["url"] is None or re.match(r"^https?://[^\s\"'<>]+$", m["url"])
    # Leading tab/CR/LF are stripped from displayed text: no control characters anywhere.
    assert not any(c in m["text"] for m in shown.values() for c in "\t\r\x1b")


def png_images(html: str) -> list[bytes]:
    page = parse(html)
    out = []
    for tag, attrs in page.elements:
        if tag == "img":
            src = attrs.get("src") or ""
            prefix = "data:image/png;base64,"
            assert src.startswith(prefix)
            out.append(base64.b64decode(src[len(prefix) :], validate=True))
    return out


def test_html_embeds_its_png_charts(reports: dict[str, str]) -> None:
    images = png_images(reports["html"])
    # Share of voice, and for each section (acme, globex) daily volume and source mix.
    assert len(images) == 5
    page = parse(reports["html"])
    for png, (_, attrs) in zip(images, [e for e in page.elements if e[0] == "img"], strict=True):
        assert png.startswith(PNG_MAGIC)
        width, height = png_size(png)
        assert width == 800 and 150 <= height <= 800
        assert (attrs["width"], attrs["height"]) == (str(width), str(height))
        assert len(png) > 5_000  # a drawn chart, not an empty canvas
        assert attrs.get("alt")
    html = reports["html"]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media print" in html


def report_text(env: Env, capsys: pytest.CaptureFixture[str], fmt: str, week: str) -> str:
    out = env.dir / "empty"
    code, stdout, err = env.cli(
        "report", "--week", week, "--format", fmt, "--output", str(out), capsys=capsys
    )
    assert code == 0, err
    return Path(stdout.split()[0]).read_bytes().decode("utf-8")


def test_an_empty_week_gives_a_clear_valid_report_in_every_format(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    html = report_text(env, capsys, "html", "2026-W10")
    page = parse(html)
    assert "No mentions in 2026-W10." in "".join(page.text)
    assert not png_images(html)  # no empty charts
    assert "No alerts were raised this week." in html
    md = report_text(env, capsys, "md", "2026-W10")
    assert "**No mentions in 2026-W10.**" in md
    assert "No mentions of acme in 2026-W10." in md
    doc = json.loads(report_text(env, capsys, "json", "2026-W10"))
    assert doc["empty"] is True and doc["total_mentions"] == 0
    assert [s["mentions"] for s in doc["sections"]] == [0, 0]
    assert doc["sections"][0]["sentiment"]["shares"]["positive"] is None
    assert (
        all(d["total"] == 0 for d in doc["sections"][0]["by_day"]) and len(doc["sections"][0]["by_day"]) == 7
    )
    text = report_text(env, capsys, "csv", "2026-W10")
    assert text.splitlines() == [
        "id,text,created_at,source,brand,author,url,title,rating,lang,source_name,compound,pos,neu,neg,label,"
        "scored,engagement,reach"
    ]


def test_hostile_source_and_brand_free_text_in_charts_is_not_math(tmp_path: Path) -> None:
    """Matplotlib would parse `$...$` as TeX (and fail on bad TeX): the charts draw it as text."""
    from monitor.report.charts import source_mix

    row: dict[str, Any] = {label: 1 for label in ("positive", "neutral", "negative", "unscored")}
    section = {"by_source": [{"source": r"$\frac{1}{0}$ \unknowncommand{", **row, "total": 4}]}
    assert source_mix(section).startswith(PNG_MAGIC)


def test_json_has_no_nan_even_when_a_stored_snapshot_does() -> None:
    from monitor.report.render_json import render_json

    doc = json.loads(render_json({"index": {"value": float("nan"), "low": float("inf"), "n": 3, "t": "<&>"}}))
    assert doc == {"index": {"value": None, "low": None, "n": 3, "t": "<&>"}}
