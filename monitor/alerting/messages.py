"""What a notification says, and how it is written for each kind of target.

A Notice holds the content as data: a title made of our own names, facts as (label, value)
pairs, sample mentions, and a structured dict for JSON. Anything that came from the internet
(mention text, an API's error message) is escaped for the target it is rendered for:

- slack: Slack mrkdwn, with `&`, `<` and `>` as `&amp;`, `&lt;`, `&gt;` (so `<!channel>` in a
  tweet is inert text, and no `<url|label>` link can be smuggled in);
- teams, discord: Markdown with every ASCII punctuation character backslash-escaped; for
  Discord an `@` is followed by a zero-width space as well, so `@everyone` does not ping;
- email: HTML from a Jinja2 template with autoescape;
- json: a JSON object (escaped by construction), plus a plain-text `message`.

Links are shown only for http/https URLs, percent-encoded so they cannot break out of the
link syntax.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote, urlsplit

from apprise import NotifyFormat
from jinja2 import Environment

from monitor.terminal import plain

SAMPLE_LIMIT = 280  # characters of a mention's text shown in a message


@dataclass(frozen=True)
class Sample:
    """A mention shown in a message."""

    text: str
    url: str | None
    source: str
    created_at: datetime
    compound: float | None = None
    rating: int | None = None
    reach: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "url": safe_link(self.url),
            "source": self.source,
            "created_at": self.created_at.isoformat(),
            "compound": self.compound,
            "rating": self.rating,
            "reach": self.reach,
        }


@dataclass(frozen=True)
class Notice:
    """One notification's content, independent of the target."""

    title: str  # our own words and configured names only (never text from the internet)
    facts: tuple[tuple[str, str], ...] = ()  # (label, value); values may hold hostile text
    samples: tuple[Sample, ...] = ()
    samples_heading: str = ""
    text: str | None = None  # free text (send_to_targets), plain
    html: str | None = None  # trusted HTML for email (send_to_targets)
    data: dict[str, Any] = field(default_factory=dict)  # structured, for JSON targets
    severity: str = "warning"  # Apprise notify type: info, success, warning, failure

    @classmethod
    def message(cls, subject: str, text: str, *, html: str | None = None, data: dict[str, Any]) -> Notice:
        return cls(
            title=subject,
            text=text,
            html=html,
            data={"title": subject, "text": text, **data},
            severity="info",
        )


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    body_format: NotifyFormat | None  # None: Apprise passes the body through untouched
    json_fields: dict[str, Any] = field(default_factory=dict)
    severity: str = "info"  # Apprise's notify type: info, success, warning, failure


# -- escaping --------------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack's three control characters (https://api.slack.com/reference/surfaces/formatting)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# What can start emphasis, code, a link, an image, a table cell, an HTML tag or entity, or a heading.
_MD_SPECIAL = re.compile(r"([\\`*_~|\[\]()<>!#&])")


def markdown_escape(text: str, *, discord: bool = False) -> str:
    """Backslash-escape the characters that form Markdown syntax (CommonMark renders an escaped
    punctuation character literally), so no emphasis, link, heading, HTML tag or table can be
    formed; newlines fold to spaces, so nothing can start a line."""
    out = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    if discord:
        out = out.replace("@", "@\u200b")  # Discord pings on @everyone/@here/<@id> in webhook text
    return out


def safe_link(url: str | None) -> str | None:
    """An http(s) URL safe to put in a link (None for anything else: javascript:, data:, ...)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    # Keep URL syntax characters; encode everything else (spaces, quotes, <>, |, parentheses, controls).
    return quote(url, safe=":/?#[]@!$&'*+,;=%-._~")


def sample_text(text: str | None, title: str | None = None) -> str:
    body = f"{title}. {text}" if title and text else (text or title or "")
    return plain(body, one_line=True, limit=SAMPLE_LIMIT)


# -- rendering ---------------------------------------------------------------------------------------


def render(notice: Notice, kind: str, tz: tzinfo) -> Rendered:
    """The notice written for a target kind (slack, teams, discord, email, json)."""
    title, severity = notice.title, notice.severity
    if kind == "slack":
        return Rendered(title, _slack(notice, tz), None, severity=severity)
    if kind in {"teams", "discord"}:
        return Rendered(title, _markdown(notice, tz, discord=kind == "discord"), None, severity=severity)
    if kind == "email":
        html = notice.html or _HTML.render(n=notice, meta=lambda s: _sample_meta(s, tz).strip(" []"))
        return Rendered(title, html, NotifyFormat.HTML, severity=severity)
    if kind == "json":
        return Rendered(
            title, as_text(notice, tz), None, {"alert": _json_safe(notice.data)}, severity=severity
        )
    return Rendered(title, as_text(notice, tz), NotifyFormat.TEXT, severity=severity)


def local_time(t: datetime, tz: tzinfo) -> str:
    local = t.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".strip()


def as_text(notice: Notice, tz: tzinfo) -> str:
    """Plain text (JSON `message`, generic targets)."""
    lines = [plain(notice.text)] if notice.text else []
    lines += [f"{label}: {plain(value, one_line=True)}" for label, value in notice.facts]
    if notice.samples:
        lines.append(f"{notice.samples_heading}:")
        for s in notice.samples:
            link = safe_link(s.url)
            lines.append(f"- {s.text}" + (f" ({link})" if link else "") + _sample_meta(s, tz))
    return "\n".join(lines)


def _sample_meta(s: Sample, tz: tzinfo) -> str:
    bits = [s.source, local_time(s.created_at, tz)]
    if s.rating is not None:
        bits.append(f"{s.rating}★")
    if s.reach is not None:
        bits.append(f"reach {s.reach:,}")
    if s.compound is not None:
        bits.append(f"compound {s.compound:+.2f}")
    return f" [{', '.join(bits)}]"


def _slack(notice: Notice, tz: tzinfo) -> str:
    lines = [slack_escape(plain(notice.text))] if notice.text else []
    lines += [
        f"*{slack_escape(label)}:* {slack_escape(plain(value, one_line=True))}"
        for label, value in notice.facts
    ]
    if notice.samples:
        lines.append(f"*{slack_escape(notice.samples_heading)}:*")
        for s in notice.samples:
            link = safe_link(s.url)
            ref = f" <{slack_escape(link)}|link>" if link else ""
            lines.append(f"• {slack_escape(s.text)}{ref}{slack_escape(_sample_meta(s, tz))}")
    return "\n".join(lines)


def _markdown(notice: Notice, tz: tzinfo, *, discord: bool) -> str:
    def esc(text: str) -> str:
        return markdown_escape(text, discord=discord)

    lines = [esc(plain(notice.text))] if notice.text else []
    lines += [f"**{esc(label)}:** {esc(plain(value))}" for label, value in notice.facts]
    if notice.samples:
        lines.append(f"**{esc(notice.samples_heading)}:**")
        for s in notice.samples:
            link = safe_link(s.url)
            ref = f" ([link]({link.replace('(', '%28').replace(')', '%29')}))" if link else ""
            lines.append(f"- {esc(s.text)}{ref}{esc(_sample_meta(s, tz))}")
    # Teams and Discord both need a blank line for a paragraph break.
    return "\n\n".join(lines) if not discord else "\n".join(lines)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


_ENV = Environment(autoescape=True)
_ENV.globals["link"] = safe_link
_HTML = _ENV.from_string(
    """<html><body>
<h2>{{ n.title }}</h2>
{% if n.text %}<p style="white-space: pre-wrap">{{ n.text }}</p>{% endif %}
{% if n.facts %}<table>
{% for label, value in n.facts %}<tr><th align="left">{{ label }}</th><td>{{ value }}</td></tr>
{% endfor %}</table>{% endif %}
{% if n.samples %}<h3>{{ n.samples_heading }}</h3>
<ul>
{% for s in n.samples %}<li>{{ s.text }}{% if link(s.url) %} (<a href="{{ link(s.url) }}">link</a>){% endif %}
<small>{{ meta(s) }}</small></li>
{% endfor %}</ul>{% endif %}
</body></html>"""
)


def samples_from_rows(rows: Sequence[Any]) -> tuple[Sample, ...]:
    return tuple(
        Sample(
            text=sample_text(r["text"], r["title"]),
            url=r["url"],
            source=r["source"],
            created_at=r["created_at"],
            compound=r["compound"],
            rating=r["rating"],
            reach=r["reach"],
        )
        for r in rows
    )
