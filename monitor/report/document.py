"""The report as one plain, JSON-ready dict: the JSON file is this dict, and the HTML and Markdown
renderers and the charts draw from it, so every format shows the same numbers.

Times are ISO 8601 UTC (`...Z`); days are the configured zone's local dates. Percentages are
0-100 rounded to two decimals; counts are integers; None means "no data" (e.g. no change
percentage when the previous week had no mentions). Mention text has control characters removed
and is shortened; links are kept only when they are http(s) (monitor.report.text).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from analysis.summary import LABELS, BrandWeek, Mix, TopMention
from monitor import __version__
from monitor.report.data import ReportData
from monitor.report.text import display_name, display_text, safe_url

SCHEMA_VERSION = 1


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def pct(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def mix_dict(mix: Mix) -> dict[str, Any]:
    return {
        **{label: mix.count(label) for label in LABELS},
        "total": mix.total,
        "shares": {label: pct(mix.share(label)) for label in LABELS},
        "net_sentiment": pct(mix.net_sentiment),
    }


def build_document(data: ReportData) -> dict[str, Any]:
    summary = data.summary
    empty_sections = [b for b in data.sections if summary.brands[b].volume == 0]
    return {
        "report": "weekly-summary",
        "schema_version": SCHEMA_VERSION,
        "generator": f"brand-sentiment-monitor {__version__}",
        "week": str(data.week),
        "previous_week": str(data.week.previous()),
        "timezone": data.timezone.key,
        "start": iso(data.start),
        "end": iso(data.end),
        "first_day": data.week.monday.isoformat(),
        "last_day": data.week.days[-1].isoformat(),
        "generated_at": iso(data.generated_at),
        "complete": data.complete,
        "empty": data.empty,
        "empty_brands": empty_sections,
        "brands": data.sections,
        "share_of_voice": [_voice(b, data) for b in data.brands],
        "total_mentions": summary.total_volume,
        "sections": [_section(summary.brands[b], data) for b in data.sections],
    }


def _voice(brand: str, data: ReportData) -> dict[str, Any]:
    week = data.summary.brands[brand]
    return {
        "brand": brand,
        "display_name": data.display_names[brand],
        "mentions": week.volume,
        "share_of_voice": pct(week.share_of_voice),
        "net_sentiment": pct(week.mix.net_sentiment),
        "positive": week.mix.positive,
        "neutral": week.mix.neutral,
        "negative": week.mix.negative,
        "unscored": week.mix.unscored,
    }


def _section(week: BrandWeek, data: ReportData) -> dict[str, Any]:
    extras = data.extras[week.brand]
    return {
        "brand": week.brand,
        "display_name": data.display_names[week.brand],
        "mentions": week.volume,
        "previous_mentions": week.previous_volume,
        "change": week.change,
        "change_pct": pct(week.change_pct),
        "share_of_voice": pct(week.share_of_voice),
        "sentiment": mix_dict(week.mix),
        "by_day": [{"date": d.isoformat(), **mix_dict(m)} for d, m in week.by_day],
        "by_source": [{"source": s, **mix_dict(m)} for s, m in week.by_source],
        "by_language": [{"lang": lang, **mix_dict(m)} for lang, m in week.by_language],
        "index": _index(extras.index),
        "index_trend": extras.index_trend,
        "business_metrics": extras.business,
        "alerts": [_alert(a) for a in extras.alerts],
        "top_positive": [_mention(m) for m in week.top_positive],
        "top_negative": [_mention(m) for m in week.top_negative],
        "negative_terms": [{"term": t, "mentions": n} for t, n in week.negative_terms],
        "negative_terms_by_language": {
            lang: [{"term": t, "mentions": n} for t, n in terms]
            for lang, terms in week.negative_terms_by_language.items()
        },
    }


def _index(index: dict[str, Any] | None) -> dict[str, Any] | None:
    if index is None:
        return None
    return {**index, "computed_at": iso(index.get("computed_at"))}


def _alert(alert: dict[str, Any]) -> dict[str, Any]:
    return {**alert, "started_at": iso(alert["started_at"]), "resolved_at": iso(alert["resolved_at"])}


def _mention(m: TopMention) -> dict[str, Any]:
    return {
        "source": display_name(m.source),
        "source_name": display_name(m.source_name),
        "author": display_name(m.author) or None,
        "created_at": iso(m.created_at),
        "url": safe_url(m.url),
        "title": display_name(m.title, limit=200) or None,
        "text": display_text(m.text),
        "label": m.label,
        "compound": m.compound,
        "rating": m.rating,
        "engagement": m.engagement,
        "lang": m.lang,
    }
