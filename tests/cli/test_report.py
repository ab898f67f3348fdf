"""`monitor report` on the command line: the default week (injected clock, configured zone), file
names and formats, one-line errors with exit status 2, and the `[report]` settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.cli import report as cli_report
from monitor.clock import FixedClock
from monitor.report.week import IsoWeek
from tests.conftest import Env
from tests.report.test_data import mention
from tests.support.rows import insert_dicts

ALL = ("html", "md", "csv", "json")


def names(stdout: str) -> list[str]:
    return [Path(line).name for line in stdout.split()]


@pytest.mark.parametrize(
    ("now", "week"),
    [
        # Sunday 23:30 in Istanbul: week 47 is not over yet, so the last complete one is 46 ...
        (datetime(2026, 11, 22, 20, 30, tzinfo=UTC), "2026-W46"),
        # ... Monday 00:30 in Istanbul (still Sunday in UTC): week 47 is complete.
        (datetime(2026, 11, 22, 21, 30, tzinfo=UTC), "2026-W47"),
        # The first days of January belong to the last ISO week of the year before.
        (datetime(2027, 1, 4, 6, 0, tzinfo=UTC), "2026-W53"),
    ],
)
def test_default_week_is_the_last_complete_one_in_the_configured_zone(
    env: Env, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, now: datetime, week: str
) -> None:
    monkeypatch.setattr(cli_report, "CLOCK", FixedClock(now))
    code, out, err = env.cli("report", "--format", "json", "--output", str(env.dir / "o"), capsys=capsys)
    assert code == 0, err
    assert names(out) == [f"report-{week}.json"]
    doc = json.loads((env.dir / "o" / f"report-{week}.json").read_text())
    assert doc["week"] == week and doc["complete"] is True


def test_formats_brand_and_the_default_output_folder(
    env: Env, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_report, "CLOCK", FixedClock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC)))
    store = env.store()
    insert_dicts(store,
        [mention("a1", "acme", datetime(2026, 11, 17, 9, tzinfo=UTC), "positive"),
         mention("g1", "globex", datetime(2026, 11, 18, 9, tzinfo=UTC), "negative")],
        now=datetime(2026, 11, 20, tzinfo=UTC),
    )  # fmt: skip
    store.close()
    code, out, err = env.cli("report", "--week", "2026-W47", "--format", "all", capsys=capsys)
    assert code == 0, err
    assert names(out) == [f"report-2026-W47.{e}" for e in ALL]
    assert Path(out.split()[0]).parent == env.dir / "reports"  # beside settings.toml, not the cwd
    assert "2026-W47: acme 1, globex 1 mentions" in err

    code, out, err = env.cli(
        "report", "--week", "2026-w47", "--brand", "globex", "--format", "md", capsys=capsys
    )
    assert code == 0, err
    assert names(out) == ["report-2026-W47-globex.md"]
    md = Path(out.strip()).read_text()
    assert "## globex" in md and "## acme" not in md
    assert "| acme | 1 | 50.0 % |" in md  # share of voice still counts every brand

    code, out, _ = env.cli(
        "report", "--week", "2026-W47", "--format", "csv", "--brand", "acme", capsys=capsys
    )
    rows = Path(out.strip()).read_text().splitlines()
    assert len(rows) == 2 and rows[1].startswith("a1,")  # the brand's mentions only


def test_a_week_not_over_yet_says_so(
    env: Env, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_report, "CLOCK", FixedClock(datetime(2026, 11, 19, 12, 0, tzinfo=UTC)))
    code, out, err = env.cli(
        "report", "--week", "2026-W47", "--format", "md", "--output", str(env.dir), capsys=capsys
    )
    assert code == 0 and "(the week is not over yet)" in err
    assert "This week is not over yet" in Path(out.strip()).read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2026-47"], "monitor: --week: expected an ISO week like 2026-W47, got '2026-47'"),
        (["--week", "2025-W53"], "monitor: --week: 2025 has no ISO week 53, got '2025-W53'"),
        (["--week", "2026-W00"], "monitor: --week: 2026 has no ISO week 0, got '2026-W00'"),
        (["--week", "last week"], "monitor: --week: expected an ISO week like 2026-W47, got 'last week'"),
        (["--brand", "initech"], "monitor: unknown brand 'initech' (configured: acme, globex)"),
    ],
)
def test_bad_options_are_one_line_with_exit_status_2(
    env: Env, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = env.cli("report", *args, "--output", str(env.dir / "o"), capsys=capsys)
    assert code == 2 and err.strip() == message and not out
    assert not (env.dir / "o").exists()


def test_a_bad_week_in_a_real_process_is_one_line_without_traceback(env: Env) -> None:
    proc = env.run("report", "--week", "2026-W99")
    assert proc.returncode == 2
    assert proc.stderr == "monitor: --week: 2026 has no ISO week 99, got '2026-W99'\n"


def test_an_unwritable_output_is_one_line(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = env.dir / "file"
    blocker.write_text("x")
    code, _, err = env.cli(
        "report", "--week", "2026-W47", "--format", "md", "--output", str(blocker / "sub"), capsys=capsys
    )
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert err.startswith(f"monitor: report output {blocker / 'sub'}: cannot create the folder")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("colour = 1", "report.colour: unknown setting"),
        ('time = "25:00"', "report.time: expected a time of day like \"08:00\", got '25:00'"),
        ('day = "monday"', "report.day: input should be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun'"),
        ('formats = ["pdf"]', "report.formats[0]: input should be 'html', 'md', 'csv' or 'json'"),
        ("formats = []", "report.formats: list should have at least 1 item after validation"),
        ("keep = -1", "report.keep: input should be greater than or equal to 0"),
        (
            'brands = ["acme", "initech"]',
            "report.brands[1]: unknown brand 'initech' (configured: acme, globex)",
        ),
        ('deliver = ["team"]', "report.deliver[0]: unknown alert target 'team'"),
    ],
)
def test_report_settings_errors_name_the_setting(
    env: Env, capsys: pytest.CaptureFixture[str], section: str, message: str
) -> None:
    env.write(extra=f"[report]\n{section}\n")
    code, _, err = env.cli("report", capsys=capsys)
    assert code == 2, err
    assert err.startswith(f"monitor: {env.config}: {message}"), err
    assert len(err.strip().splitlines()) == 1


def test_report_settings_sections_and_time(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    env.write(extra='[report]\nbrands = ["globex"]\ntime = "7:05"\noutput_dir = "out/weekly"\n')
    from monitor.config import load_settings
    from monitor.config.report import output_dir

    s = load_settings(env.config)
    assert (s.report.hour, s.report.minute, s.report.time) == (7, 5, "07:05")
    assert output_dir(s.report, s.path) == env.dir / "out" / "weekly"
    code, out, err = env.cli("report", "--week", "2026-W47", "--format", "json", capsys=capsys)
    assert code == 0, err
    doc = json.loads(Path(out.strip()).read_text())
    assert Path(out.strip()).parent == env.dir / "out" / "weekly"
    assert doc["brands"] == ["globex"] and [v["brand"] for v in doc["share_of_voice"]] == ["acme", "globex"]


def test_iso_week_bounds_follow_the_zone_and_daylight_saving() -> None:
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    week = IsoWeek.parse("2026-W43")  # Mon 19 Oct - Sun 25 Oct 2026: summer time ends on the Sunday
    assert (week.start(berlin), week.end(berlin)) == (
        datetime(2026, 10, 18, 22, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 23, 0, tzinfo=UTC),
    )
    assert (week.end(berlin) - week.start(berlin)).total_seconds() == 169 * 3600
    assert str(week.previous()) == "2026-W42" and str(IsoWeek(2026, 53).next()) == "2027-W01"
    assert IsoWeek.last_complete(datetime(2026, 10, 25, 22, 59, tzinfo=UTC), berlin) == IsoWeek(2026, 42)
    assert IsoWeek.last_complete(datetime(2026, 10, 25, 23, 0, tzinfo=UTC), berlin) == IsoWeek(2026, 43)
