"""`monitor alerts`: alert history, silences and targets; `silence`, `unsilence`, `test`.

Target URLs are never shown (only where they come from); text that came from the internet (an
API's error message in a connector_down alert) is printed through terminal.plain().
"""

from __future__ import annotations

import getpass
import json
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from connectors.errors import ConfigError, InputError, MonitorError
from connectors.records import parse_time
from monitor.alerting.notices import measurement, probe_notice
from monitor.alerting.store import AlertStore
from monitor.cli.options import format_option
from monitor.clock import SystemClock
from monitor.config.durations import format_duration, parse_duration
from monitor.terminal import plain

if TYPE_CHECKING:
    from monitor.cli import App
    from monitor.config import Settings


@click.group("alerts", invoke_without_command=True)
@format_option("table", "json")
@click.option(
    "--limit",
    type=click.IntRange(0, 10_000),
    help="Show only the most recent N alerts that are not firing (default: all).",
)
@click.option(
    "--since",
    metavar="TIME",
    help="Show only alerts started at or after TIME (ISO 8601; no offset means UTC).",
)
@click.pass_context
def alerts_command(ctx: click.Context, fmt: str, limit: int | None, since: str | None) -> int:
    """Alerts (firing first, then resolved and historical ones, newest first), active silences and
    notification targets. Historical alerts were found by running the rules over mentions that
    arrived after their time (an import, a first poll); they are recorded, never sent."""
    if ctx.invoked_subcommand is not None:
        return 0
    app: App = ctx.obj
    start = _since(since) if since is not None else None
    data = alerts_data(app.settings, AlertStore(app.store), SystemClock().now(), limit=limit, since=start)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
    else:
        console = Console(highlight=False, markup=False)
        if not console.is_terminal:
            console.width = 160
        render_alerts(data, console)
    return 0


def _since(value: str) -> datetime:
    try:
        return parse_time(value)
    except ValueError:
        raise InputError(
            f"--since: expected an ISO 8601 time like 2026-11-04T09:00Z, got {value!r}"
        ) from None


def alerts_data(
    settings: Settings,
    store: AlertStore,
    now: datetime,
    *,
    limit: int | None = None,
    since: datetime | None = None,
) -> dict[str, Any]:
    rows = store.recent(limit=limit, since=since)
    log = Counter((r["alert_id"], r["status"]) for r in store.log())
    alerts = []
    for r in rows:
        details = r["details"] or {}
        labels = r["labels"] or {}
        alerts.append(
            {
                "id": r["id"],
                "state": r["state"],
                "rule": r["rule"],
                "kind": labels.get("kind"),
                "brand": r["brand"],
                "source": r["source_name"],
                "started_at": r["started_at"].isoformat(),
                "resolved_at": r["resolved_at"].isoformat() if r["resolved_at"] else None,
                "historical": bool(r["historical"]),
                "summary": _summary(labels.get("kind"), details),
                "notifications": {
                    s: log[(r["id"], s)] for s in ("sent", "pending", "failed") if log[(r["id"], s)]
                },
                "fingerprint": r["fingerprint"],
            }
        )
    targets = [
        {
            "name": t.name,
            "kind": t.kind or "from URL",
            "url": t.url_source(),  # where the URL comes from; the URL itself is a secret
            "allow_private": t.allow_private,
        }
        for t in settings.alerts.targets.values()
    ]
    rules = [
        {
            "name": r.name,
            "kind": r.kind,
            "brands": list(r.brands),
            "targets": list(r.targets),
            "repeat_interval": format_duration(r.repeat_interval),
        }
        for r in settings.alerts.rules
    ]
    return {
        "now": now.isoformat(),
        "alerts": alerts,
        "silences": [s.as_json() for s in store.active_silences(now)],
        "targets": targets,
        "rules": rules,
    }


def _summary(kind: str | None, details: dict[str, Any]) -> str:
    if kind == "connector_down":
        d = details.get("latest") or {}
        text = f"{d.get('consecutive_failures', '?')} consecutive failures"
        if d.get("last_error"):
            text += f"; last error: {d['last_error']}"
        return plain(text, one_line=True, limit=200)
    if "count" in details:
        muted = f" (muted: {details['muted']})" if details.get("muted") else ""
        return plain(f"{details['count']} {details.get('what', 'mentions')}{muted}", one_line=True)
    latest = details.get("latest") or details.get("fired")
    return plain(measurement(latest), one_line=True, limit=200) if latest else ""


def render_alerts(data: dict[str, Any], console: Console) -> None:
    table = Table(title="alerts", title_justify="left")
    for col in ("id", "state", "rule", "brand/source", "started", "resolved", "summary", "notifications"):
        table.add_column(col)
    for a in data["alerts"]:
        sent = ", ".join(f"{n} {s}" for s, n in a["notifications"].items()) or "-"
        table.add_row(
            str(a["id"]),
            "historical" if a["historical"] else a["state"],
            plain(f"{a['rule']} ({a['kind']})"),
            plain(a["brand"] or a["source"] or ""),
            _short(a["started_at"]),
            _short(a["resolved_at"]) if a["resolved_at"] else "",
            a["summary"],
            sent,
        )
    console.print(table if data["alerts"] else Text("alerts: none recorded"))
    if data["silences"]:
        table = Table(title="active silences", title_justify="left")
        for col in ("id", "brand", "rule", "source", "until", "comment", "by"):
            table.add_column(col)
        for s in data["silences"]:
            table.add_row(
                str(s["id"]),
                s["brand"] or "*",
                s["rule"] or "*",
                s["source"] or "*",
                _short(s["ends_at"]),
                plain(s["comment"] or "", one_line=True),
                plain(s["created_by"] or ""),
            )
        console.print(table)
    else:
        console.print(Text("silences: none active"))
    if data["targets"]:
        table = Table(title="targets (URLs are secrets and never shown)", title_justify="left")
        for col in ("name", "kind", "URL from", "allow_private"):
            table.add_column(col)
        for t in data["targets"]:
            table.add_row(t["name"], t["kind"], t["url"], "yes" if t["allow_private"] else "no")
        console.print(table)
    else:
        console.print(Text("targets: none configured (alerts are recorded, not sent)"))


def _short(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")


@alerts_command.command("silence")
@click.option("--brand", help="only alerts of this brand (default: any)")
@click.option("--rule", help="only alerts of this rule, by its name (default: any)")
@click.option("--source", help="only alerts about this source, e.g. connector_down (default: any)")
@click.option("--for", "duration", required=True, help='how long, e.g. "2h", "30m", "1d"')
@click.option("--comment", default="", help="why (shown in `monitor alerts`)")
@click.pass_obj
def silence_command(
    app: App, brand: str | None, rule: str | None, source: str | None, duration: str, comment: str
) -> int:
    """Mute matching alerts for a while: they are still recorded, but not notified."""
    settings = app.settings
    if brand is None and rule is None and source is None:
        raise InputError(
            "give at least one of --brand, --rule, --source (a silence of everything is a mistake)"
        )
    if brand is not None:
        settings.brand(brand)
    if rule is not None and not settings.alerts.rule(rule):
        names = sorted({r.name for r in settings.alerts.rules})
        raise ConfigError(f"unknown rule {rule!r} (configured: {', '.join(names) or 'none'})")
    if source is not None:
        settings.source(source)
    try:
        length = parse_duration(duration)
    except ValueError as exc:
        raise InputError(f"--for: {exc}") from None
    now = SystemClock().now()
    store = AlertStore(app.store)
    silence_id = store.add_silence(
        brand=brand,
        rule=rule,
        source=source,
        starts_at=now,
        ends_at=now + length,
        comment=comment or None,
        created_by=_user(),
    )
    until = (now + length).astimezone(settings.timezone)
    matchers = ", ".join(f"{k}={v}" for k, v in (("brand", brand), ("rule", rule), ("source", source)) if v)
    click.echo(
        f"silence #{silence_id}: {matchers} until {until:%Y-%m-%d %H:%M %Z} ({format_duration(length)})"
    )
    return 0


@alerts_command.command("unsilence")
@click.argument("silence_id", type=int)
@click.pass_obj
def unsilence_command(app: App, silence_id: int) -> int:
    """End a silence now (its id is shown by `monitor alerts`)."""
    store = AlertStore(app.store)
    if not store.silence_exists(silence_id):
        raise InputError(f"no silence #{silence_id}")
    if store.end_silence(silence_id, SystemClock().now()):
        click.echo(f"silence #{silence_id} ended")
    else:
        click.echo(f"silence #{silence_id} had already ended")
    return 0


@alerts_command.command("test")
@click.option("--target", "names", multiple=True, help="only this target (repeatable; default: every target)")
@click.pass_obj
def test_command(app: App, names: tuple[str, ...]) -> int:
    """Send a test message to the notification targets; exit status 1 if any fails."""
    from monitor.alerting.delivery import Sender

    config = app.settings.alerts
    chosen = list(names) or list(config.targets)
    if not chosen:
        raise MonitorError("no notification targets configured ([[alerts.targets]] in settings.toml)")
    for n in chosen:
        if n not in config.targets:
            raise ConfigError(f"unknown target {n!r} (configured: {', '.join(config.targets) or 'none'})")
    sender = Sender(config, app.settings.timezone)
    failed = 0
    for n in chosen:
        result = sender.send(config.targets[n], probe_notice(n))
        if result.ok:
            click.echo(f"{n}: sent ({result.attempts} attempt{'s' if result.attempts > 1 else ''})")
        else:
            failed += 1
            click.echo(f"{n}: FAILED: {plain(result.error, one_line=True)}", err=True)
    return 1 if failed else 0


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return None
