"""The notice for a planned notification, built from the alert row when it is sent.

Built at send time rather than stored, so a notification that was planned and then interrupted
(a crash, a target down) is sent later with the same content from the same row. A firing
notice shows the bucket that fired and its three most negative mentions; a reminder the newest
judged bucket; a resolution the episode.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from monitor.alerting.messages import Notice, Sample, local_time, samples_from_rows
from monitor.config.alert_kinds import rule_kinds
from monitor.config.durations import format_duration

if TYPE_CHECKING:
    from monitor.alerting.store import AlertStore
    from monitor.config import Settings

STATUS = {"firing": "FIRING", "resolved": "RESOLVED", "batch": "NEW"}


def status_of(event: str) -> str:
    return "STILL FIRING" if event.startswith("repeat-") else STATUS.get(event, event.upper())


def notice_for(alert: Mapping[Any, Any], event: str, settings: Settings, store: AlertStore) -> Notice:
    labels = alert["labels"] or {}
    kind = labels.get("kind", "")
    known = rule_kinds()
    family = known[kind].family if kind in known else None
    if kind == "connector_down":
        return _connector(alert, event, settings)
    if family == "mention":
        return _batch(alert, settings, store)
    return _measured(alert, event, settings, store)


def _base_data(alert: Mapping[str, Any], event: str) -> dict[str, Any]:
    labels = alert["labels"] or {}
    return {
        "event": event,
        "status": status_of(event).lower().replace(" ", "_"),
        "alert_id": alert["id"],
        "fingerprint": alert["fingerprint"],
        "rule": labels.get("rule"),
        "kind": labels.get("kind"),
        "brand": labels.get("brand"),
        "source": labels.get("source"),
        "started_at": _iso(alert["started_at"]),
        "resolved_at": _iso(alert["resolved_at"]),
    }


def _iso(t: datetime | None) -> str | None:
    return t.astimezone(UTC).isoformat() if t else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def _brand_name(settings: Settings, brand: str | None) -> str:
    if brand is None:
        return ""
    b = settings.brands.get(brand)
    return f"{b.display_name} ({brand})" if b and b.display_name != brand else brand


def window_text(start: datetime, end: datetime, tz: tzinfo) -> str:
    a, b = start.astimezone(tz), end.astimezone(tz)
    tail = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%Y-%m-%d %H:%M}"
    return f"{a:%Y-%m-%d %H:%M} – {tail} {b.tzname() or ''} ({getattr(tz, 'key', tz)})".strip()


def _number(metric: str, x: float | None) -> str:
    if x is None:
        return "?"
    if "share" in metric:
        return f"{x:.0%}"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def measurement(details: Mapping[str, Any]) -> str:
    """`14 negative mentions, expected 1.2 (robust z 5.3)`."""
    metric = details.get("metric", "")
    observed, expected = _number(metric, details.get("observed")), _number(metric, details.get("expected"))
    out = f"{observed} {metric}, expected {expected}"
    if details.get("statistic"):
        out += f" ({details['statistic']})"
    return out


def _measured(alert: Mapping[str, Any], event: str, settings: Settings, store: AlertStore) -> Notice:
    """Spike rules (and any state rule whose details carry observed/expected and a window)."""
    labels, details = alert["labels"] or {}, alert["details"] or {}
    fired, latest = details.get("fired") or {}, details.get("latest") or {}
    shown = fired if event == "firing" else latest
    tz = settings.timezone
    brand = labels.get("brand")
    facts = [("Brand", _brand_name(settings, brand))] if brand else []
    facts.append(("Rule", f"{labels.get('rule')} ({labels.get('kind')})"))
    start, end = _time(shown.get("window_start")), _time(shown.get("window_end"))
    if event == "resolved":
        first = _time(fired.get("window_start"))
        if first is not None and start is not None:
            facts.append(("Episode", window_text(first, end or start, tz)))
        facts.append(("Now", measurement(latest)))
    else:
        facts.append(("Observed", measurement(shown)))
        if start is not None and end is not None:
            facts.append(("Window", window_text(start, end, tz)))
        if event.startswith("repeat-"):
            facts.append(("Firing since", local_time(alert["started_at"], tz)))
    samples: tuple[Sample, ...] = ()
    if event != "resolved" and brand and start is not None and end is not None:
        samples = samples_from_rows(store.samples(brand, start, end))
    who = _brand_name(settings, brand) or labels.get("source") or ""
    title = f"[{status_of(event)}] {who}: {labels.get('rule')}".replace(" : ", ": ")
    data = _base_data(alert, event)
    data.update({k: shown.get(k) for k in ("metric", "observed", "expected", "score", "statistic")})
    data["window"] = {"start": shown.get("window_start"), "end": shown.get("window_end"), "timezone": str(tz)}
    data["samples"] = [s.as_json() for s in samples]
    data["details"] = details
    return Notice(
        title=title,
        facts=tuple(facts),
        samples=samples,
        samples_heading="Most negative mentions in the window",
        data=data,
        severity="success" if event == "resolved" else "warning",
    )


def _connector(alert: Mapping[str, Any], event: str, settings: Settings) -> Notice:
    labels, details = alert["labels"] or {}, alert["details"] or {}
    latest = details.get("latest") or {}
    shown = (details.get("fired") or latest) if event == "firing" else latest
    source = labels.get("source")
    tz = settings.timezone
    facts = [("Source", f"{source} ({shown.get('source_type', '?')})")]
    if shown.get("brands"):
        facts.append(("Feeds", ", ".join(shown["brands"])))
    if event == "resolved":
        facts.append(("Down since", local_time(alert["started_at"], tz)))
        title = f"[RESOLVED] source {source} is polling again"
    else:
        facts.append(("Consecutive failures", str(shown.get("consecutive_failures", "?"))))
        last = _time(shown.get("last_success_at"))
        facts.append(("Last success", local_time(last, tz) if last else "never"))
        if shown.get("last_error"):
            facts.append(("Last error", str(shown["last_error"])))
        facts.append(
            (
                "Rule",
                f"{labels.get('rule')}: {shown.get('failures_threshold')} failures in a row "
                f"or no success for {format_duration(_seconds(shown.get('no_success_for_seconds')))}",
            )
        )
        if event.startswith("repeat-"):
            facts.append(("Down since", local_time(alert["started_at"], tz)))
        title = f"[{status_of(event)}] source {source} is down"
    data = _base_data(alert, event)
    data["details"] = shown
    return Notice(
        title=title, facts=tuple(facts), data=data, severity="success" if event == "resolved" else "failure"
    )


def _seconds(value: Any) -> timedelta:
    return timedelta(seconds=int(value or 0))


def _batch(alert: Mapping[str, Any], settings: Settings, store: AlertStore) -> Notice:
    labels, details = alert["labels"] or {}, alert["details"] or {}
    brand = labels.get("brand")
    count = int(details.get("count", 0))
    ids = details.get("mention_ids") or []
    samples = samples_from_rows(store.mentions_by_id(ids))
    what = details.get("what", "mentions")
    facts = [
        ("Brand", _brand_name(settings, brand)),
        ("Rule", f"{labels.get('rule')} ({labels.get('kind')})"),
    ]
    since, until = _time(details.get("since")), _time(details.get("until"))
    if since and until:
        facts.append(
            ("Seen", f"{local_time(since, settings.timezone)} – {local_time(until, settings.timezone)}")
        )
    if count > len(samples):
        facts.append(("Listed", f"{len(samples)} of {count} (the most negative first)"))
    data = _base_data(alert, "batch")
    data.update(count=count, what=what, samples=[s.as_json() for s in samples])
    return Notice(
        title=f"[NEW] {_brand_name(settings, brand)}: {count} {what}",
        facts=tuple(facts),
        samples=samples,
        samples_heading="Mentions",
        data=data,
    )


def probe_notice(target: str) -> Notice:
    """What `monitor alerts test` sends."""
    text = f"Test message from the brand sentiment monitor to target {target!r}: delivery works."
    return Notice.message("[TEST] brand sentiment monitor", text, data={"event": "test", "target": target})
