"""The [alerts] section: defaults that work with no targets, and one-line errors naming the setting."""

from __future__ import annotations

import textwrap
from datetime import timedelta

import pytest

from monitor.config import load_settings
from monitor.config.alerts import infer_kind, url_secrets
from tests.conftest import Env

TARGET = """
[[alerts.targets]]
name = "hook"
kind = "json"
url_env = "HOOK_URL"
"""


def write(env: Env, alerts: str) -> None:
    env.write()
    env.config.write_text(env.config.read_text() + "\n" + textwrap.dedent(alerts), encoding="utf-8")


def test_no_alerts_section_gives_the_default_rules_and_no_targets(env: Env) -> None:
    settings = load_settings(env.config)
    a = settings.alerts
    assert a.targets == {} and a.default_rules
    assert [(r.name, r.kind, r.brands) for r in a.rules] == [
        ("negative_spike", "negative_spike", ("acme", "globex")),
        ("negative_share", "negative_share", ("acme", "globex")),
        ("volume_spike", "volume_spike", ("acme", "globex")),
        ("connector_down", "connector_down", ()),
    ]
    assert all(r.repeat_interval == timedelta(hours=4) for r in a.rules)
    assert a.rules[0].params == settings.detection.to_params()


def test_bundled_settings_are_valid() -> None:
    from tests.conftest import ROOT

    settings = load_settings(ROOT / "settings.toml")
    assert settings.alerts.targets == {} and len(settings.alerts.rules) >= 4


def test_rules_with_options_overrides_and_targets(env: Env) -> None:
    write(
        env,
        '[alerts]\nrepeat_interval = "2h"\n'
        + TARGET
        + """
[[alerts.rules]]
name = "acme-neg"
kind = "negative_spike"
brand = "acme"
detection = { threshold = 6, min_count = 10 }

[[alerts.rules]]
name = "reviews"
kind = "low_rating_review"
max_stars = 1
batch_interval = "1h"
targets = []
repeat_interval = "30m"

[[alerts.rules]]
name = "off"
kind = "volume_spike"
enabled = false
""",
    )
    a = load_settings(env.config).alerts
    assert [r.name for r in a.rules] == ["acme-neg", "reviews"] and not a.default_rules
    neg, reviews = a.rules
    assert neg.brands == ("acme",) and neg.targets == ("hook",) and neg.repeat_interval == timedelta(hours=2)
    assert neg.params is not None and neg.params.threshold == 6 and neg.params.min_count == 10
    assert reviews.brands == ("acme", "globex") and reviews.targets == ()
    assert reviews.options.max_stars == 1 and reviews.options.batch_interval == timedelta(hours=1)  # type: ignore[attr-defined]
    assert reviews.repeat_interval == timedelta(minutes=30)


def test_empty_rules_means_no_rules(env: Env) -> None:
    write(env, "[alerts]\nrules = []\n")
    assert load_settings(env.config).alerts.rules == ()


@pytest.mark.parametrize(
    ("alerts", "message"),
    [
        (
            '[[alerts.targets]]\nname = "x"\nurl = "https://hooks.slack.com/services/T/B/C"\n',
            "alerts.targets[0].url: target URLs are secrets: give url_env (an environment variable) or "
            "url_file, never the URL in settings.toml",
        ),
        ('[[alerts.targets]]\nname = "x"\n', "alerts.targets[0]: give exactly one of url_env or url_file"),
        (
            '[[alerts.targets]]\nname = "x"\nurl_env = "A"\nurl_file = "b"\n',
            "alerts.targets[0]: give exactly one of url_env or url_file",
        ),
        (
            '[[alerts.targets]]\nname = "x"\nkind = "sms"\nurl_env = "A"\n',
            "alerts.targets[0].kind: input should be",
        ),
        (
            '[[alerts.targets]]\nname = "x"\nurl_env = "NOT A NAME"\n',
            "alerts.targets[0].url_env: expected an environment",
        ),
        (TARGET + TARGET, "alerts.targets[1].name: duplicate name 'hook'"),
        (
            '[[alerts.rules]]\nname = "r"\nkind = "vibes"\n',
            "alerts.rules[0].kind: unknown rule kind 'vibes' (known:",
        ),
        (
            '[[alerts.rules]]\nname = "r"\nkind = "negative_spike"\nbrands = ["acme", "initech"]\n',
            "alerts.rules[0].brands[1]: unknown brand 'initech' (configured: acme, globex)",
        ),
        (
            '[[alerts.rules]]\nname = "r"\nkind = "negative_spike"\nbrand = "initech"\n',
            "alerts.rules[0].brand: unknown brand 'initech'",
        ),
        (
            TARGET + '[[alerts.rules]]\nname = "r"\nkind = "negative_spike"\ntargets = ["ops"]\n',
            "alerts.rules[0].targets[0]: unknown target 'ops' (configured: hook)",
        ),
        (
            '[[alerts.rules]]\nname = "r"\nkind = "negative_spike"\nmax_stars = 2\n',
            "alerts.rules[0].max_stars: unknown setting",
        ),
        (
            '[[alerts.rules]]\nname = "r"\nkind = "low_rating_review"\nmax_stars = 9\n',
            "alerts.rules[0].max_stars: input should be less than or equal to 4, got 9",
        ),
        (
            '[[alerts.rules]]\nname = "r"\nkind = "low_rating_review"\nbatch_interval = "soon"\n',
            'alerts.rules[0].batch_interval: expected a duration like "15m", got "soon"',
        ),
        (
            '[[alerts.rules]]\nname = "r"\nkind = "negative_spike"\ndetection = { threshold = 1.5 }\n',
            "alerts.rules[0].detection: resolve (2.0) must be below threshold (1.5)",
        ),
        (
            '[[alerts.rules]]\nname = "r"\nkind = "negative_spike"\ndetection = { thresold = 5 }\n',
            "alerts.rules[0].detection.thresold: unknown setting",
        ),
        (
            '[[alerts.rules]]\nname = "r"\nkind = "negative_spike"\ndetection = { bucket = "5m" }\n',
            "alerts.rules[0].detection.bucket: the bucket size is set once, in [detection]",
        ),
        (
            '[[alerts.rules]]\nname = "r"\nkind = "connector_down"\nbrands = ["acme"]\n',
            "alerts.rules[0]: a connector_down rule watches sources, not brands (use sources)",
        ),
        (
            '[[alerts.rules]]\nname = "r"\nkind = "connector_down"\nsources = ["nope"]\n',
            "alerts.rules[0].sources[0]: unknown source 'nope'",
        ),
        (
            '[[alerts.rules]]\nname = "r"\nkind = "volume_spike"\n'
            '[[alerts.rules]]\nname = "r"\nkind = "negative_spike"\n',
            "alerts.rules[1].name: duplicate name 'r'",
        ),
        (
            '[alerts]\nrepeat_interval = "often"\n',
            'alerts.repeat_interval: expected a duration like "15m", got "often"',
        ),
        ("[alerts]\nretries = 0\n", "alerts.retries: input should be greater than or equal to 1, got 0"),
    ],
)
def test_mistakes_are_one_line_naming_the_setting(
    env: Env, capsys: pytest.CaptureFixture[str], alerts: str, message: str
) -> None:
    write(env, alerts)
    code, out, err = env.cli("alerts", capsys=capsys)
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"monitor: {env.config}: {message}"), err


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://hooks.slack.com/services/T0/B0/XX", "slack"),
        ("slack://T0/B0/XX", "slack"),
        ("https://discord.com/api/webhooks/1/abc", "discord"),
        ("discord://1/abc", "discord"),
        (
            "https://prod-1.westeurope.logic.azure.com:443/workflows/a/triggers/manual/paths/invoke?sig=x",
            "teams",
        ),
        ("workflows://host/a/b", "teams"),
        ("mailtos://user:pw@example.org", "email"),
        ("jsons://hooks.example.org/x", "json"),
        ("https://hooks.example.org/x", None),
        ("tgram://bot/chat", None),
    ],
)
def test_kind_is_inferred_from_the_url(url: str, kind: str | None) -> None:
    assert infer_kind(url) == kind


def test_url_secrets_cover_the_tokens_apprise_may_print() -> None:
    secrets = url_secrets("https://hooks.slack.com/services/T0AB12CD/B0XY34ZW/abcdefghijklmnopqrstuvwx?x=1")
    assert {
        "T0AB12CD",
        "B0XY34ZW",
        "abcdefghijklmnopqrstuvwx",
        "/services/T0AB12CD/B0XY34ZW/abcdefghijklmnopqrstuvwx",
    } <= set(secrets)
    assert "services" not in secrets and "hooks.slack.com" not in secrets
    assert "pw0rd" in url_secrets("mailtos://me:pw0rd@example.org")
