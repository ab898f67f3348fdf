"""The report's charts as PNG bytes (matplotlib, Agg backend), drawn from the report document.

Figures are made with `matplotlib.figure.Figure` and an Agg canvas, never pyplot: no global state,
so the daemon can draw in a worker thread while other jobs run. Math text is off, so a `$` in a
source or brand name is drawn as a `$`, not parsed as TeX. PNG metadata carries no version or date,
so the same data gives the same bytes.
"""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING, Any

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Locator, MaxNLocator

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Colours shared with the HTML legend; chosen to stay apart for the common colour-vision deficiencies.
COLOURS = {
    "positive": "#1a9850",
    "neutral": "#b8b8b8",
    "negative": "#d73027",
    "unscored": "#7b8fc7",
}
LABELS = ("positive", "neutral", "negative", "unscored")
DPI = 100
_STYLE: dict[RcKeyType, Any] = {
    "text.parse_math": False,
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every machine
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
}


def _integer_ticks(locator: Locator) -> None:
    """Whole numbers only on a count axis (the default locator, AutoLocator, is a MaxNLocator)."""
    assert isinstance(locator, MaxNLocator)
    locator.set_params(integer=True)


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def daily_volume(section: dict[str, Any]) -> bytes:
    """Mentions per local day of the week, stacked by sentiment."""
    days = section["by_day"]
    labels = [date.fromisoformat(d["date"]).strftime("%a %d") for d in days]
    with rc_context(_STYLE):
        fig = Figure(figsize=(8, 3.2))
        ax = fig.add_subplot()
        xs = list(range(len(days)))  # positions, not category strings: "Mon 02" is not parsed as a date
        bottom = [0] * len(days)
        for label in LABELS:
            values = [d[label] for d in days]
            ax.bar(xs, values, bottom=bottom, color=COLOURS[label], label=label, width=0.7)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_xticks(xs, labels)
        ax.set_title("Mentions per day by sentiment")
        ax.set_ylabel("mentions")
        _integer_ticks(ax.yaxis.get_major_locator())
        ax.legend(ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
        fig.tight_layout()
        return _png(fig)


def source_mix(section: dict[str, Any], limit: int = 8) -> bytes:
    """Mentions per source (the biggest `limit`), stacked by sentiment."""
    sources = section["by_source"][:limit][::-1]  # biggest on top
    names = [_short(s["source"]) for s in sources]
    with rc_context(_STYLE):
        fig = Figure(figsize=(8, 0.45 * len(sources) + 1.8))
        ax = fig.add_subplot()
        ys = list(range(len(sources)))  # positions: a source named "2024" stays a name
        left = [0] * len(sources)
        for label in LABELS:
            values = [s[label] for s in sources]
            ax.barh(ys, values, left=left, color=COLOURS[label], label=label, height=0.6)
            left = [a + v for a, v in zip(left, values, strict=True)]
        ax.set_yticks(ys, names)
        ax.set_title("Mentions by source")
        ax.set_xlabel("mentions")
        _integer_ticks(ax.xaxis.get_major_locator())
        ax.legend(ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.22), frameon=False, fontsize=9)
        fig.tight_layout()
        return _png(fig)


def share_of_voice(voices: list[dict[str, Any]]) -> bytes:
    """Each configured brand's share of all mentions, with its net sentiment."""
    rows = voices[::-1]
    names = [_short(v["display_name"]) for v in rows]
    shares = [v["share_of_voice"] or 0 for v in rows]
    with rc_context(_STYLE):
        fig = Figure(figsize=(8, 0.5 * len(rows) + 1.3))
        ax = fig.add_subplot()
        ys = list(range(len(rows)))
        bars = ax.barh(ys, shares, color="#4c72b0", height=0.6)
        ax.set_yticks(ys, names)
        for bar, v in zip(bars, rows, strict=True):
            net = v["net_sentiment"]
            note = f"{v['share_of_voice'] or 0:.1f} %  (net {net:+.0f})" if net is not None else "n/a"
            ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, note, va="center", fontsize=9)
        ax.set_xlim(0, 118)
        ax.set_title("Share of voice (net sentiment in brackets)")
        ax.set_xlabel("% of all mentions of the configured brands")
        fig.tight_layout()
        return _png(fig)


def index_trend(section: dict[str, Any]) -> bytes | None:
    """The satisfaction index of the last weeks with its interval; None when no week has one."""
    trend = section["index_trend"]
    if not any(t["value"] is not None for t in trend):
        return None
    xs = list(range(len(trend)))
    labels = [t["week"].split("-")[1] for t in trend]
    with rc_context(_STYLE):
        fig = Figure(figsize=(8, 3.0))
        ax = fig.add_subplot()
        pts = [(x, t) for x, t in zip(xs, trend, strict=True) if t["value"] is not None]
        ax.fill_between(
            [x for x, _ in pts],
            [t["low"] if t["low"] is not None else t["value"] for _, t in pts],
            [t["high"] if t["high"] is not None else t["value"] for _, t in pts],
            color="#4c72b0",
            alpha=0.2,
            linewidth=0,
            label="95 % interval",
        )
        ax.plot([x for x, _ in pts], [t["value"] for _, t in pts], marker="o", color="#4c72b0", label="index")
        ax.set_xticks(xs, labels)
        ax.set_ylim(0, 100)
        ax.set_ylabel("index (0-100)")
        ax.set_title(f"Satisfaction index, last {len(trend)} weeks")
        ax.legend(loc="lower left", frameon=False, fontsize=9)
        fig.tight_layout()
        return _png(fig)


def charts_for(doc: dict[str, Any]) -> dict[str, Any]:
    """Every chart of a report: {"share_of_voice": png, "sections": {brand: {name: png}}}.

    Charts of an empty week are left out (the report says there was nothing, not a blank axis)."""
    out: dict[str, Any] = {"share_of_voice": None, "sections": {}}
    if doc["total_mentions"]:
        out["share_of_voice"] = share_of_voice(doc["share_of_voice"])
    for section in doc["sections"]:
        charts: dict[str, bytes | None] = {"daily": None, "sources": None, "index": index_trend(section)}
        if section["mentions"]:
            charts["daily"] = daily_volume(section)
            charts["sources"] = source_mix(section)
        out["sections"][section["brand"]] = charts
    return out
