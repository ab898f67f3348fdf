"""The report as Markdown for a chat or a wiki (GitHub-flavoured: pipe tables).

Every piece of text that did not come from us goes through `md()`: folded to one line (a mention
cannot start a heading, list or quote of its own), `&`, `<` and `>` as HTML entities (no raw HTML,
no Slack `<!channel>` or `<url|label>`), and Markdown's control characters backslash-escaped (no
emphasis, links, images, code or table cells smuggled in). `@` is escaped too, so a chat that
renders the Markdown does not ping `@everyone`. Links are written only for http(s) URLs.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from monitor.report import formatting as fmt
from monitor.report.charts import LABELS
from monitor.terminal import plain

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ESCAPED = set("\\`*_{}[]()#+-!|~@")


def md(text: Any, *, limit: int | None = None) -> str:
    """Inert Markdown text: one line, entities for & < >, control characters escaped."""
    value = plain("" if text is None else str(text), one_line=True, limit=limit)
    return "".join(_ENTITIES.get(c) or ("\\" + c if c in _ESCAPED else c) for c in value)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    align = ["---"] + ["---:"] * (len(header) - 1)
    return [_row(header), _row(align), *(_row(r) for r in rows), ""]


def render_md(doc: dict[str, Any]) -> str:
    tz = ZoneInfo(doc["timezone"])
    names = ", ".join(md(s["display_name"]) for s in doc["sections"])
    days = f"{fmt.long_day(doc['first_day'])} – {fmt.long_day(doc['last_day'])}"
    out = [
        f"# Weekly brand report {doc['week']}",
        "",
        f"{days}, local time {md(doc['timezone'])}. "
        f"Brands: {names}. Generated {fmt.local_time(doc['generated_at'], tz)}.",
        "",
    ]
    if not doc["complete"]:
        out += [f"> This week is not over yet: numbers up to {fmt.local_time(doc['generated_at'], tz)}.", ""]
    if doc["empty"]:
        out += [f"**No mentions in {doc['week']}.** Nothing was stored for {names} in this week.", ""]
    out += ["## Share of voice", ""]
    out += _table(
        ["brand", "mentions", "share of voice", "net sentiment"],
        [
            [md(v["display_name"]), fmt.count(v["mentions"]), fmt.percent(v["share_of_voice"]), _net(v)]
            for v in doc["share_of_voice"]
        ],
    )
    for section in doc["sections"]:
        out += _section(section, doc, tz)
    out += [
        "---",
        "",
        "Net sentiment = (positive − negative) ÷ scored mentions × 100. Share of voice = a brand's "
        "mentions ÷ all configured brands' mentions. Unscored mentions count in volume, never as neutral.",
        "",
    ]
    return "\n".join(out)


def _net(row: dict[str, Any]) -> str:
    return fmt.signed(row["net_sentiment"])


def _mix_cells(row: dict[str, Any]) -> list[str]:
    return [fmt.count(row[label]) for label in LABELS] + [fmt.count(row["total"]), _net(row)]


def _section(s: dict[str, Any], doc: dict[str, Any], tz: ZoneInfo) -> list[str]:
    sent = s["sentiment"]
    share = {label: fmt.percent(sent["shares"][label]) for label in LABELS}
    out = [f"## {md(s['display_name'])}", ""]
    if s["mentions"] == 0:
        out += [f"No mentions of {md(s['display_name'])} in {doc['week']}.", ""]
    out += [
        f"- **{fmt.count(s['mentions'])} mentions**, {fmt.change_line(s, doc['previous_week'])}",
        f"- sentiment: {share['positive']} positive, {share['neutral']} neutral, "
        f"{share['negative']} negative, {share['unscored']} unscored; net sentiment {_net(sent)}",
        f"- share of voice: {fmt.percent(s['share_of_voice'])}",
    ]
    index = s["index"]
    if index:
        out.append(
            f"- satisfaction index: **{fmt.number(index['value'])}** "
            f"(95 % interval {fmt.interval(index['low'], index['high'])})"
        )
    else:
        out.append(f"- satisfaction index: no snapshot for {doc['week']}")
    out.append("")

    header = ["day", *LABELS, "total", "net"]
    out += ["### Sentiment by day", ""]
    out += _table(header, [[fmt.day(d["date"]), *_mix_cells(d)] for d in s["by_day"]])
    out += ["### By source", ""]
    out += (
        _table(["source", *header[1:]], [[md(r["source"]), *_mix_cells(r)] for r in s["by_source"]])
        if s["by_source"]
        else ["No mentions from any source.", ""]
    )
    out += ["### By language", ""]
    out += (
        _table(["language", *header[1:]], [[md(r["lang"]), *_mix_cells(r)] for r in s["by_language"]])
        if s["by_language"]
        else ["No mentions in any language.", ""]
    )

    if index and index.get("components"):
        out += ["### Satisfaction index components", ""]
        out += _table(
            ["component", "raw", "0-100", "interval", "n", "weight"],
            [
                [
                    md(fmt.metric_name(name)),
                    fmt.number(c.get("raw")) + (f" {md(c['unit'])}" if c.get("unit") else ""),
                    fmt.number(c.get("value")),
                    fmt.interval(c.get("low"), c.get("high")),
                    fmt.count(c.get("n")),
                    fmt.number(c.get("weight"), 2),
                ]
                for name, c in sorted(index["components"].items())
            ],
        )
        if index.get("drivers"):
            out += ["What moved it:", "", *(f"- {md(fmt.driver(d))}" for d in index["drivers"]), ""]

    out += ["### Business metrics", ""]
    business = s["business_metrics"]
    if business["available"]:
        out += _table(
            ["metric", "value", "unit", "95 % interval", "n"],
            [
                [
                    md(fmt.metric_name(m["name"])),
                    fmt.number(m["value"]),
                    md(m["unit"]),
                    fmt.interval(m["low"], m["high"]),
                    fmt.count(m["n"]),
                ]
                for m in business["metrics"]
            ],
        )
    else:
        note = md(business["note"])
        out += [f"{note[:1].upper()}{note[1:]} for {doc['week']}.", ""]

    out += ["### Alerts raised this week", ""]
    if s["alerts"]:
        out += _table(
            ["rule", "source", "state", "started", "resolved"],
            [
                [
                    md(a["rule"]),
                    md(a["source_name"] or fmt.DASH),
                    md(a["state"]) + (" (historical, not sent)" if a["historical"] else ""),
                    fmt.local_time(a["started_at"], tz),
                    fmt.local_time(a["resolved_at"], tz),
                ]
                for a in s["alerts"]
            ],
        )
    else:
        out += ["No alerts were raised this week.", ""]

    for kind in ("positive", "negative"):
        items = s[f"top_{kind}"]
        out += [f"### Top {kind} mentions", ""]
        if not items:
            out += [f"No {kind} mentions this week.", ""]
            continue
        for i, m in enumerate(items, 1):
            meta = [md(m["source"])]
            if m["author"]:
                meta.append(md(m["author"]))
            meta.append(fmt.local_time(m["created_at"], tz))
            if m["rating"] is not None:
                meta.append(f"{m['rating']}★")
            if m["compound"] is not None:
                meta.append(f"compound {fmt.signed(m['compound'], 2)}")
            if m["url"]:
                meta.append(f"[open]({m['url']})")
            title = f"**{md(m['title'])}**: " if m["title"] else ""
            out.append(f"{i}. {title}“{md(m['text'], limit=300)}” ({', '.join(meta)})")
        out.append("")

    out += ["### Frequent terms in negative mentions", ""]
    if s["negative_terms"]:
        out += [", ".join(f"{md(t['term'])} ({t['mentions']})" for t in s["negative_terms"]), ""]
    else:
        out += ["No negative mentions to take terms from.", ""]
    return out
