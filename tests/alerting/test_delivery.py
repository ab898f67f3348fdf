"""Delivery against real local servers: a JSON webhook and a Slack-format payload (Apprise's own
Slack plugin) on a local HTTP server, email on a local SMTP server (aiosmtpd), each checked field by
field with hostile mention text in the samples; retries; the private-address guard; secrets."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.alerting.delivery import Refused, apprise_url, check_destination, send_to_targets
from monitor.alerting.messages import markdown_escape, render, safe_link, slack_escape
from monitor.alerting.notices import notice_for
from monitor.logs import setup_logging
from monitor.storage.store import Store
from tests.support.alerts import (
    HOOK_ENV,
    SECRET_PATH,
    T0,
    Harness,
    hourly,
    json_target,
    mention,
    write_settings,
)

HOSTILE = "<!channel> wake up & <script>alert(1)</script> *bold* [x](https://evil.example) @everyone"
RULE = """
[[alerts.rules]]
name = "neg"
kind = "negative_spike"
brands = ["acme"]
"""


def episode(h: Harness) -> None:
    """A baseline, then a spike in the 02:00 bucket whose most negative mentions are hostile; the
    engine judges 02:00 at 03:10 and fires."""
    h.insert(hourly(T0 - timedelta(days=3), 72))
    h.insert(hourly(T0, 2) + hourly(T0 + timedelta(hours=2), 1, negative=30, tag="spike"))
    at = T0 + timedelta(hours=2, minutes=5)
    h.insert(
        [
            mention(
                "h1",
                at,
                label="negative",
                text=HOSTILE,
                compound=-0.99,
                url="https://x.com/a/status/1?a=1&b=2|<x>(y)",
            ),
            mention("h2", at, label="negative", text="click me", compound=-0.98, url="javascript:alert(1)"),
            mention("h3", at, label="negative", text="red \x1b[31mALERT\x1b[0m\nsecond line", compound=-0.97),
        ]
    )
    h.at(T0 + timedelta(hours=3, minutes=10))
    h.polled()


@pytest.fixture
def sink(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request(SECRET_PATH, method="POST").respond_with_data("ok")
    return httpserver


def test_json_webhook_payload_field_by_field(tmp_path, sqlite_store: Store, sink: HTTPServer) -> None:
    h = Harness(write_settings(tmp_path, json_target() + RULE), sqlite_store, sink)
    h.environ[HOOK_ENV] = sink.url_for(SECRET_PATH)
    episode(h)
    outcome = h.engine().evaluate()
    assert outcome is not None and [r.ok for r in outcome.results] == [True]
    ((request, _),) = sink.log
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.get_data())
    assert set(body) == {"version", "title", "message", "attachments", "type", "alert"}
    assert body["title"] == "[FIRING] acme: neg" and body["type"] == "warning"
    a = body["alert"]
    alert_row = h.alerts.recent(limit=1)[0]
    assert a["event"] == "firing" and a["status"] == "firing"
    assert a["alert_id"] == alert_row["id"] and a["fingerprint"] == alert_row["fingerprint"]
    assert (a["rule"], a["kind"], a["brand"], a["source"]) == ("neg", "negative_spike", "acme", None)
    assert a["metric"] == "negative mentions" and a["observed"] == 33 and 0 < a["expected"] < 3
    assert a["score"] >= 4 and a["statistic"].startswith("robust z")
    assert a["window"] == {
        "start": (T0 + timedelta(hours=2)).isoformat(),
        "end": (T0 + timedelta(hours=3)).isoformat(),
        "timezone": "Europe/Istanbul",
    }
    assert a["started_at"] == (T0 + timedelta(hours=2)).isoformat() and a["resolved_at"] is None
    s1, s2, s3 = a["samples"]
    assert s1["text"] == HOSTILE  # data, not markup: JSON escapes it by construction
    assert s1["url"] == "https://x.com/a/status/1?a=1&b=2%7C%3Cx%3E%28y%29" and s1["compound"] == -0.99
    assert s2["url"] is None  # javascript: is never a link
    assert s3["text"] == "red ALERT second line"  # escape sequences stripped, one line
    assert s1["source"] == "x" and s1["created_at"] == (T0 + timedelta(hours=2, minutes=5)).isoformat()
    # The plain-text message carries the same facts for humans.
    assert "Observed: 33 negative mentions, expected" in body["message"]
    assert "Window: 2026-11-10 05:00 – 06:00 +03 (Europe/Istanbul)" in body["message"]


class _ToLocal(requests.adapters.HTTPAdapter):
    """Sends what Apprise addresses to a service's host (hooks.slack.com, ...) to the local server
    instead: the only way to see the real plugin's payload without the network (the plugins' hosts
    are fixed)."""

    def __init__(self, base: str, hosts: tuple[str, ...] = ("hooks.slack.com",)) -> None:
        super().__init__()
        self.base = base
        self.hosts = hosts

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        if parts.hostname in self.hosts:
            request.url = f"{self.base}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return super().send(request, **kwargs)


def test_slack_payload_through_apprise_slack_plugin_escapes_mention_text(
    tmp_path, sqlite_store: Store, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack_path = "/services/T0AAAAAAA/B0BBBBBBB/XXXXXXXXXXXXXXXXXXXX1234"
    httpserver.expect_request(slack_path, method="POST").respond_with_data("ok")
    adapter = _ToLocal(f"http://{httpserver.host}:{httpserver.port}")
    monkeypatch.setattr(requests.Session, "get_adapter", lambda self, url: adapter)
    target = """
[[alerts.targets]]
name = "team-slack"
url_env = "SLACK_URL"
allow_private = true
"""
    h = Harness(write_settings(tmp_path, target + RULE), sqlite_store, httpserver)
    h.environ["SLACK_URL"] = "https://hooks.slack.com" + slack_path  # kind inferred: slack
    episode(h)
    outcome = h.engine().evaluate()
    assert outcome is not None and [r.ok for r in outcome.results] == [True], outcome
    ((request, _),) = httpserver.log
    payload = json.loads(request.get_data())
    (attachment,) = payload["attachments"]
    header, section = attachment["blocks"][:2]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "[FIRING] acme: neg", "emoji": True},
    }
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    text = section["text"]["text"]
    lines = text.split("\n")
    assert lines[0] == "*Brand:* acme"
    assert lines[1] == "*Rule:* neg (negative_spike)"
    assert lines[2].startswith("*Observed:* 33 negative mentions, expected ")
    assert lines[3] == "*Window:* 2026-11-10 05:00 – 06:00 +03 (Europe/Istanbul)"
    assert lines[4] == "*Most negative mentions in the window:*"
    # The hostile text is inert: no live <!channel>, no tag, no smuggled link; & is an entity.
    assert lines[5].startswith(
        "• &lt;!channel&gt; wake up &amp; &lt;script&gt;alert(1)&lt;/script&gt; *bold* [x](https://evil.example)"
    )
    assert "<https://x.com/a/status/1?a=1&amp;b=2%7C%3Cx%3E%28y%29|link>" in lines[5]
    assert lines[6].startswith("• click me [") and "javascript" not in text
    assert lines[7].startswith("• red ALERT second line [")
    assert "<!channel>" not in text and "<script>" not in text and "\x1b" not in text
    for raw in ("<!", "<s", "<@"):
        assert all(not part.startswith(raw) for part in text.split("|link>"))


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://discord.com/api/webhooks/123456789/T0K3Nabcdef", "/api/webhooks/123456789/T0K3Nabcdef"),
        (
            "https://prod-01.westus.logic.azure.com:443/workflows/abc123/triggers/manual/paths/invoke"
            "?api-version=2016-06-01&sig=S1Gxyz",
            "/workflows/abc123/triggers/manual/paths/invoke",
        ),
    ],
    ids=["discord", "teams"],
)
def test_discord_and_teams_payloads_through_their_apprise_plugins(
    tmp_path,
    sqlite_store: Store,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    path: str,
) -> None:
    httpserver.expect_request(path, method="POST").respond_with_data("{}")
    adapter = _ToLocal(
        f"http://{httpserver.host}:{httpserver.port}", ("discord.com", "prod-01.westus.logic.azure.com")
    )
    monkeypatch.setattr(requests.Session, "get_adapter", lambda self, url: adapter)
    target = '[[alerts.targets]]\nname = "chat"\nurl_env = "CHAT_URL"\nallow_private = true\n'
    h = Harness(write_settings(tmp_path, target + RULE), sqlite_store, httpserver)
    h.environ["CHAT_URL"] = url  # kind inferred from the host: discord / teams
    episode(h)
    outcome = h.engine().evaluate()
    assert outcome is not None and [r.ok for r in outcome.results] == [True], outcome
    payload = json.loads(httpserver.log[0][0].get_data())
    if "content" in payload:  # Discord: title and body in `content`
        text = payload["content"]
        assert text.startswith("[FIRING] acme: neg\r\n**Brand:** acme")
        assert "@\u200beveryone" in text and "@everyone" not in text
    else:  # Teams: an Adaptive Card whose body TextBlock holds the Markdown
        blocks = payload["attachments"][0]["content"]["body"]
        assert [b.get("text") for b in blocks if b.get("id") == "title"] == ["[FIRING] acme: neg"]
        (text,) = [b["text"] for b in blocks if b.get("id") == "body"]
        assert text.startswith("**Brand:** acme\n\n**Rule:** neg \\(negative\\_spike\\)")
    assert r"\<\!channel\> wake up \& \<script\>alert\(1\)\</script\> \*bold\*" in text
    assert "<script>" not in text and "[x](https" not in text and "javascript" not in text


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, _Inbox]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_email_through_a_local_smtp_server_is_html_escaped(tmp_path, sqlite_store: Store, smtp) -> None:
    port, inbox = smtp
    target = """
[[alerts.targets]]
name = "mail"
kind = "email"
url_file = "mail-url"
allow_private = true
"""
    (tmp_path / "mail-url").write_text(
        f"mailto://127.0.0.1:{port}?mode=insecure&from=monitor@example.org&to=team@example.org\n"
    )
    h = Harness(write_settings(tmp_path, target + RULE), sqlite_store, None)
    episode(h)
    outcome = h.engine().evaluate()
    assert outcome is not None and [r.ok for r in outcome.results] == [True], outcome
    (envelope,) = inbox.messages
    assert envelope.mail_from == "monitor@example.org" and envelope.rcpt_tos == ["team@example.org"]
    msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert msg["Subject"] == "[FIRING] acme: neg"
    html = msg.get_body(("html",)).get_content()
    plain_part = msg.get_body(("plain",)).get_content()
    assert "&lt;!channel&gt; wake up &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html and "javascript:" not in html
    assert '<a href="https://x.com/a/status/1?a=1&amp;b=2%7C%3Cx%3E%28y%29">link</a>' in html
    assert '<th align="left">Observed</th><td>33 negative mentions, expected' in html
    assert "Window" in plain_part and "wake up" in plain_part


def test_a_failing_target_is_retried_and_does_not_stop_the_others(
    tmp_path, sqlite_store: Store, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/bad/T0K3N-b4d", method="POST").respond_with_response(
        Response("boom", status=500)
    )
    httpserver.expect_request(SECRET_PATH, method="POST").respond_with_data("ok")
    targets = json_target("bad", "BAD_URL") + json_target("good")
    h = Harness(
        write_settings(tmp_path, targets + '[[alerts.rules]]\nname = "neg"\nkind = "negative_spike"\n'),
        sqlite_store,
        httpserver,
    )
    h.environ.update(
        {"BAD_URL": httpserver.url_for("/bad/T0K3N-b4d"), HOOK_ENV: httpserver.url_for(SECRET_PATH)}
    )
    episode(h)
    engine = h.engine()
    outcome = engine.evaluate()
    assert outcome is not None
    by_target = {r.target: r for r in outcome.results}
    assert by_target["good"].ok and by_target["good"].attempts == 1
    assert not by_target["bad"].ok and by_target["bad"].attempts == 3  # [alerts] retries = 3
    assert len(h.sleeps) == 2 and all(0 <= s <= 60 for s in h.sleeps)  # backoff between attempts
    paths = [req.path for req, _ in httpserver.log]
    assert paths.count("/bad/T0K3N-b4d") == 3 and paths.count(SECRET_PATH) == 1
    log = {n["target"]: n for n in h.alerts.log()}
    assert (
        log["good"]["status"] == "sent" and log["bad"]["status"] == "failed" and log["bad"]["attempts"] == 3
    )
    assert "500" in log["bad"]["error"] and "T0K3N" not in log["bad"]["error"]
    # The next evaluation tries the failed one again (the good one is not sent twice); it recovers.
    httpserver.clear_all_handlers()
    httpserver.expect_request("/bad/T0K3N-b4d", method="POST").respond_with_data("ok")
    outcome = engine.evaluate()
    assert outcome is not None and [(r.target, r.ok) for r in outcome.results] == [("bad", True)]
    assert {n["target"]: (n["status"], n["attempts"]) for n in h.alerts.log()} == {
        "good": ("sent", 1),
        "bad": ("sent", 4),
    }


def test_private_addresses_are_refused_at_send_time_unless_allowed(
    tmp_path, sqlite_store: Store, sink: HTTPServer
) -> None:
    targets = json_target("strict", "STRICT_URL", allow_private=False) + json_target("lab")
    h = Harness(write_settings(tmp_path, targets + RULE), sqlite_store, sink)
    url = sink.url_for(SECRET_PATH)
    h.environ.update({"STRICT_URL": url, HOOK_ENV: url})
    episode(h)
    outcome = h.engine().evaluate()
    assert outcome is not None
    by_target = {r.target: r for r in outcome.results}
    assert by_target["lab"].ok
    assert not by_target["strict"].ok and by_target["strict"].attempts == 1 and h.sleeps == []
    assert "private or local address (127.0.0.1)" in (by_target["strict"].error or "")
    assert len(sink.log) == 1  # only the allowed target reached the server
    log = {n["target"]: n for n in h.alerts.log()}
    # Refusal is not retried round after round: it needs a settings change.
    assert log["strict"]["status"] == "failed" and log["strict"]["attempts"] == h.settings.alerts.max_attempts


def _resolver(address: str):
    def resolve(host: str, port: int, **_kw: Any) -> list[Any]:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    return resolve


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.10",
        "172.16.5.4",
        "169.254.169.254",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "224.0.0.1",
    ],
)
def test_guard_refuses_every_non_public_address(address: str) -> None:
    with pytest.raises(Refused, match="private or local"):
        check_destination("https://hooks.example.org/x", allow_private=False, resolve=_resolver(address))
    check_destination("https://hooks.example.org/x", allow_private=True, resolve=_resolver(address))


def test_guard_requires_tls_for_webhooks_and_smtp_unless_allowed() -> None:
    public = _resolver("93.184.216.34")
    check_destination("https://hooks.example.org/x", allow_private=False, resolve=public)
    check_destination("jsons://hooks.example.org/x", allow_private=False, resolve=public)
    check_destination(
        "mailto://user:pw@mail.example.org?to=a@example.org", allow_private=False, resolve=public
    )
    for url in (
        "http://hooks.example.org/x",
        "json://hooks.example.org/x",
        "mailto://mail.example.org?mode=insecure&to=a@example.org",
    ):
        with pytest.raises(Refused, match="not encrypted"):
            check_destination(url, allow_private=False, resolve=public)
        check_destination(url, allow_private=True, resolve=public)


def test_guard_checks_the_host_apprise_connects_to() -> None:
    seen: list[str] = []

    def resolve(host: str, port: int, **_kw: Any) -> list[Any]:
        seen.append(f"{host}:{port}")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    check_destination("slack://T0AAA/B0BBB/XXXX", allow_private=False, resolve=resolve)
    check_destination("mailtos://u:p@example.org?smtp=smtp.example.net", allow_private=False, resolve=resolve)
    check_destination(
        "workflows://prod-1.westeurope.logic.azure.com/abc/sig", allow_private=False, resolve=resolve
    )
    assert seen == ["hooks.slack.com:443", "smtp.example.net:587", "prod-1.westeurope.logic.azure.com:443"]


def test_secret_url_never_reaches_a_log_line_or_the_listing(
    tmp_path,
    sqlite_store: Store,
    httpserver: HTTPServer,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    httpserver.expect_request("/bad/T0K3N-b4d", method="POST").respond_with_response(
        Response("no", status=500)
    )
    httpserver.expect_request(SECRET_PATH, method="POST").respond_with_data("ok")
    setup_logging("DEBUG")  # the production logging, at its most verbose
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the test server's own access log
    caplog.set_level(logging.DEBUG)
    try:
        targets = (
            json_target("bad", "BAD_URL")
            + json_target("good")
            + json_target("strict", "STRICT_URL", allow_private=False)
        )
        h = Harness(
            write_settings(tmp_path, targets + RULE.replace('brands = ["acme"]', "")),
            sqlite_store,
            httpserver,
        )
        secrets = {
            "BAD_URL": httpserver.url_for("/bad/T0K3N-b4d"),
            HOOK_ENV: httpserver.url_for(SECRET_PATH),
            "STRICT_URL": httpserver.url_for(SECRET_PATH),
        }
        h.environ.update(secrets)
        episode(h)
        outcome = h.engine().evaluate()
        assert outcome is not None and len(outcome.results) == 3
        for name, value in secrets.items():
            monkeypatch.setenv(name, value)
        from monitor.cli import run_main

        run_main(["--config", str(h.settings.path), "alerts"])
        run_main(["--config", str(h.settings.path), "alerts", "--format", "json"])
        run_main(["--config", str(h.settings.path), "alerts", "test"])
    finally:
        setup_logging("INFO")
    out, err = capsys.readouterr()
    raw = [r.getMessage() for r in caplog.records]
    assert any("not sent to bad" in m for m in raw) and any("refused" in m for m in raw)
    for token in ("T0K3N-b4d", "T0K3N-s3cr3t", "/hook/", "/bad/"):
        assert token not in out and token not in err, token
        assert not [m for m in raw if token in m], token
    assert "env BAD_URL" in out  # the listing says where the URL comes from


def test_send_to_targets_for_other_features(tmp_path, sqlite_store: Store, sink: HTTPServer) -> None:
    settings = write_settings(tmp_path, json_target() + RULE)
    results = send_to_targets(
        settings,
        "Weekly report 2026-W46",
        "Acme: 812 mentions, 18% negative.\n<b>not html</b>",
        data={"week": "2026-W46"},
        environ={HOOK_ENV: sink.url_for(SECRET_PATH)},
        sleep=lambda _s: None,
    )
    assert [(r.target, r.ok, r.attempts) for r in results] == [("hook", True, 1)]
    body = json.loads(sink.log[0][0].get_data())
    assert body["title"] == "Weekly report 2026-W46"
    assert body["message"] == "Acme: 812 mentions, 18% negative.\n<b>not html</b>"
    assert body["alert"] == {"title": "Weekly report 2026-W46", "text": body["message"], "week": "2026-W46"}
    with pytest.raises(Exception, match="unknown alert target 'nope'"):
        send_to_targets(settings, "s", "t", targets=["nope"])


# -- escaping, per target kind --------------------------------------------------------------------


def test_slack_escape_makes_control_sequences_inert() -> None:
    assert (
        slack_escape("<!channel> & <@U123> <https://x|y>")
        == "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://x|y&gt;"
    )


def test_markdown_escape_neutralises_syntax_and_discord_pings() -> None:
    text = "**bold** [a](https://e.x) <b>x</b> # h | t ` @everyone"
    out = markdown_escape(text)
    assert out == r"\*\*bold\*\* \[a\]\(https://e.x\) \<b\>x\</b\> \# h \| t \` @everyone"
    assert markdown_escape("@everyone @here", discord=True) == "@\u200beveryone @\u200bhere"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://e.x/a?b=1&c=2", "https://e.x/a?b=1&c=2"),
        ('http://e.x/a b"<>|()', "http://e.x/a%20b%22%3C%3E%7C%28%29"),
        ("javascript:alert(1)", None),
        ("data:text/html,x", None),
        ("ftp://e.x/f", None),
        ("https:///nohost", None),
        (None, None),
    ],
)
def test_only_http_links_survive(url: str | None, expected: str | None) -> None:
    assert safe_link(url) == expected


def test_teams_and_discord_bodies_are_escaped_markdown(tmp_path, sqlite_store: Store) -> None:
    h = Harness(write_settings(tmp_path, RULE), sqlite_store, None)
    episode(h)
    assert h.engine().evaluate() is not None
    alert = h.alerts.recent(limit=1)[0]
    notice = notice_for(alert, "firing", h.settings, h.alerts)
    teams = render(notice, "teams", h.settings.timezone)
    discord = render(notice, "discord", h.settings.timezone)
    assert teams.body_format is None and discord.body_format is None  # passed through untouched
    assert (
        r"\<\!channel\> wake up \& \<script\>alert\(1\)\</script\> \*bold\* \[x\]\(https://evil.example\)"
        in (teams.body)
    )
    assert "@everyone" in teams.body and "@\u200beveryone" in discord.body
    assert "([link](https://x.com/a/status/1?a=1&b=2%7C%3Cx%3E%28y%29))" in discord.body


def test_json_targets_may_be_plain_https_urls() -> None:
    assert apprise_url("https://hooks.example.org/in/abc?token=x&v=2", "json") == (
        "jsons://hooks.example.org/in/abc?-token=x&-v=2"
    )
    assert apprise_url("https://hooks.slack.com/services/A/B/C?blocks=no", "slack") == (
        "https://hooks.slack.com/services/A/B/C?blocks=yes"
    )


def test_target_url_missing_is_one_clear_failure(tmp_path, sqlite_store: Store) -> None:
    h = Harness(write_settings(tmp_path, json_target() + RULE), sqlite_store, None)
    episode(h)
    outcome = h.engine().evaluate()
    assert outcome is not None
    (result,) = outcome.results
    assert not result.ok and result.error == (
        f"alerts.targets[0]: target 'hook' needs its URL in the environment variable {HOOK_ENV}"
    )
