"""settings.toml validation: every mistake is one line naming the setting path, exit status 2."""

from __future__ import annotations

import subprocess
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from connectors.errors import ConfigError
from monitor.config import load_settings
from monitor.config.durations import format_duration, parse_duration
from tests.conftest import MONITOR, ROOT, Env

GOOD_SOURCE = """
[[sources]]
name = "social"
type = "file"
path = "social.jsonl"
interval = "15m"
"""


def test_bundled_settings_load() -> None:
    s = load_settings(ROOT / "settings.toml")
    assert s.timezone.key == "Europe/Istanbul"
    assert set(s.brands) == {"acme", "globex"}
    assert all(src.type == "file" for src in s.sources.values())
    assert s.storage_url == f"sqlite:///{ROOT / 'data' / 'monitor.db'}"  # relative to settings.toml


def test_valid_settings(env: Env) -> None:
    env.write(sources=GOOD_SOURCE)
    s = load_settings(env.config)
    src = s.source("social")
    assert src.settings.interval == timedelta(minutes=15)
    assert src.brands == ("acme", "globex")  # default: every brand
    assert src.spec.options.path == "social.jsonl"
    assert src.spec.base_dir == env.dir


BAD = [
    (
        GOOD_SOURCE.replace('"15m"', '"soon"'),
        'sources[0].interval: expected a duration like "15m", got "soon"',
    ),
    (GOOD_SOURCE + 'colour = "red"\n', "sources[0].colour: unknown setting"),
    (
        GOOD_SOURCE.replace('type = "file"', 'type = "myspace"'),
        "sources[0].type: unknown source type 'myspace'",
    ),
    (GOOD_SOURCE + 'brands = ["acme", "initech"]\n', "sources[0].brands[1]: unknown brand 'initech'"),
    (GOOD_SOURCE.replace('path = "social.jsonl"\n', ""), "sources[0].path: required setting is missing"),
    (GOOD_SOURCE + "page_size = 0\n", "sources[0].page_size: input should be greater than or equal to 1"),
    (GOOD_SOURCE + 'match = "fuzzy"\n', "sources[0].match: input should be 'query' or 'scoped'"),
    (GOOD_SOURCE + 'base_url = "ftp://x"\n', "sources[0].base_url: expected an http(s) URL"),
    (GOOD_SOURCE + GOOD_SOURCE, "sources[1].name: duplicate name 'social'"),
    (GOOD_SOURCE.replace('"15m"', "15"), None),  # a bare number is seconds: valid
]


@pytest.mark.parametrize(("sources", "expected"), BAD)
def test_invalid_source_settings_name_the_path(env: Env, sources: str, expected: str | None) -> None:
    env.write(sources=sources)
    if expected is None:
        load_settings(env.config)
        return
    with pytest.raises(ConfigError) as info:
        load_settings(env.config)
    message = str(info.value)
    assert message.startswith(f"{env.config}: ")
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("brands", "expected"),
    [
        ('[[brands]]\nname = "acme"\nquery = \'"acme corp\'\n', "brands[0].query: query"),
        ('[[brands]]\nname = "Acme Inc"\nquery = "acme"\n', "brands[0].name: expected lower-case"),
        ("", "brands: required setting is missing"),
        ('[[brands]]\nname = "acme"\n', "brands[0].query: required setting is missing"),
    ],
)
def test_invalid_brands(env: Env, brands: str, expected: str) -> None:
    env.write(brands=brands)
    with pytest.raises(ConfigError, match=None) as info:
        load_settings(env.config)
    assert expected in str(info.value)


def test_top_level_mistakes(env: Env) -> None:
    env.write(extra='timezone2 = "x"')
    with pytest.raises(ConfigError, match="timezone2: unknown setting"):
        load_settings(env.config)
    env.config.write_text(env.config.read_text().replace('"Europe/Istanbul"', '"Mars/Olympus"'))
    with pytest.raises(ConfigError, match="timezone: unknown time zone 'Mars/Olympus'"):
        load_settings(env.config)


def test_toml_syntax_error_names_the_line(env: Env) -> None:
    env.config.write_text('timezone = "UTC"\n[storage]\nurl = "sqlite:///x.db\n')
    with pytest.raises(ConfigError, match=r"TOML syntax error: .*line 3"):
        load_settings(env.config)


def test_missing_settings_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="settings file not found"):
        load_settings(tmp_path / "nope.toml")


def test_cli_reports_invalid_settings_in_one_line_with_exit_2(env: Env) -> None:
    env.write(sources=GOOD_SOURCE.replace('"15m"', '"soon"'))
    for command in (["status"], ["poll"], ["run"]):
        proc = env.run(*command)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert lines == [
            f'monitor: {env.config}: sources[0].interval: expected a duration like "15m", got "soon"'
        ]
        assert "Traceback" not in proc.stderr


def test_config_from_environment_variable(env: Env) -> None:
    env.write(sources=GOOD_SOURCE)
    proc = subprocess.run(
        [MONITOR, "status", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=env.dir.parent,
        env={"MONITOR_CONFIG": str(env.config), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert '"name": "social"' in proc.stdout


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("1h30m", 5400),
        ("2d", 172800),
        ("1w", 604800),
        ("0.5h", 1800),
        (30, 30),
    ],
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds
    assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)


@pytest.mark.parametrize("bad", ["soon", "15", "m15", "-5m", "0s", "", True, None, "1h 30x"])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_settings_never_hold_secrets_in_the_bundled_file() -> None:
    text = (ROOT / "settings.toml").read_text()
    for word in ("secret =", "token =", "password", "api_key ="):
        assert word not in text.lower(), textwrap.shorten(word, 20)
