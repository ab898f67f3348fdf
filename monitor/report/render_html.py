"""The report as one self-contained HTML file: Jinja2 with autoescape on, charts as data: URIs.

Every value from the document is escaped by the template engine; nothing is marked safe except the
base64 chart URIs we made ourselves. A Content-Security-Policy meta tag forbids scripts and every
fetch, so even a mistake in escaping could not run code or call out, and the file opens offline.
"""

from __future__ import annotations

import base64
import struct
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from monitor.report import formatting
from monitor.report.charts import COLOURS, LABELS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("monitor.report", "templates"),
        autoescape=True,  # on for every template, whatever its file name
        undefined=StrictUndefined,  # a typo in the template fails the tests instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if not png.startswith(PNG_MAGIC) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def image(png: bytes | None) -> dict[str, Any] | None:
    if png is None:
        return None
    width, height = png_size(png)
    return {
        "uri": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "width": width,
        "height": height,
    }


def render_html(doc: dict[str, Any], charts: dict[str, Any]) -> str:
    """`charts` as made by monitor.report.charts.charts_for(doc)."""
    template = environment().get_template("report.html.j2")
    sections = charts["sections"]
    title = f"Weekly brand report {doc['week']}"
    return template.render(
        doc=doc,
        title=title,
        tz=ZoneInfo(doc["timezone"]),
        fmt=formatting,
        labels=LABELS,
        colours=COLOURS,
        driver=formatting.driver,
        charts={
            "share_of_voice": image(charts["share_of_voice"]),
            "sections": {
                brand: {name: image(png) for name, png in entry.items()} for brand, entry in sections.items()
            },
        },
    )
