"""CLI: every command documented, `score`, `export mentions`, and safe terminal output."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitor.cli import cli
from monitor.escaping import csv_cell
from monitor.terminal import plain
from tests.conftest import ROOT, Env, shared_path


def all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    """Every command and subcommand, the lazily loaded families included."""
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        out.append((f"{prefix}{name}", cmd))
        if isinstance(cmd, click.Group):
            out.extend(all_commands(cmd, f"{prefix}{name} "))
    return out


COMMANDS = all_commands(cli)


@pytest.mark.parametrize(("name", "cmd"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_and_option_has_help(name: str, cmd: click.Command) -> None:
    assert cmd.help and len(cmd.help.strip()) > 15, f"`monitor {name}` has no help text"
    for param in cmd.params:
        if isinstance(param, click.Option):
            assert param.help, f"`monitor {name}` option {param.opts} has no help text"


@pytest.mark.parametrize(("name", "cmd"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_is_documented_in_the_readme(name: str, cmd: click.Command) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"monitor {name}" in readme, f"README.md does not document `monitor {name}`"


def test_readme_command_reference_is_generated_from_the_current_help() -> None:
    """README.md's command reference is each command's --help, written by cog; this fails when a
    command or option changed without `cog -r README.md`."""
    out = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "--diff", "README.md"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, f"README.md is stale, run `cog -r README.md`:\n{out.stdout}{out.stderr}"


def test_help_runs(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = env.cli("--help", capsys=capsys)
    assert code == 0
    for name in ("run", "poll", "import", "score", "export", "status"):
        assert re.search(rf"^\s+{name}\s", out, re.M), name


def test_score_jsonl_and_csv(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    vader = SentimentIntensityAnalyzer()
    texts = {"a": "I love it :)", "b": "This is the WORST, never again!!", "c": "It is a phone."}
    jl = env.dir / "t.jsonl"
    jl.write_text(
        "".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items())
        + json.dumps({"id": "d", "text": "Das ist schlecht", "lang": "de"})
        + "\n"
        + "{bad\n"
    )
    out_file = env.dir / "out.jsonl"
    code, _, err = env.cli("score", str(jl), "--output", str(out_file), capsys=capsys)
    assert code == 0 and "3 scored, 1 unscored, 1 rejected" in err
    rows = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c", "d"]
    for r in rows[:3]:
        expected = vader.polarity_scores(texts[r["id"]])
        assert {k: r[k] for k in ("compound", "pos", "neu", "neg")} == {
            k: expected[k] for k in ("compound", "pos", "neu", "neg")
        }
        assert set(r) == {"id", "compound", "pos", "neu", "neg", "label", "lang", "scored"}
    assert [r["label"] for r in rows] == ["positive", "negative", "neutral", "unscored"]
    assert rows[3] == {
        "id": "d",
        "compound": None,
        "pos": None,
        "neu": None,
        "neg": None,
        "label": "unscored",
        "lang": "de",
        "scored": False,
    }
    c = env.dir / "t.csv"
    c.write_text('id,text,rating\n1,"great, really great",5\n2,awful,1\n')
    code, out, _ = env.cli("score", str(c), capsys=capsys)
    assert code == 0
    assert [json.loads(line)["label"] for line in out.splitlines()] == ["positive", "negative"]


def test_score_strict_and_missing_column(env: Env) -> None:
    c = env.dir / "t.csv"
    c.write_text("id,body\n1,x\n")
    proc = env.run("score", str(c))
    assert proc.returncode == 2 and proc.stderr.strip() == f"monitor: {c}:1: missing required column(s): text"


HOSTILE = [
    ("h1", '=HYPERLINK("http://evil.example","click")'),
    ("h2", "@SUM(1+1) acme"),
    ("h3", "+1 for acme"),
    ("h4", "-acme rocks"),
    ("h5", "\tacme tab"),
    ("h6", "acme <script>alert(1)</script>"),
]


def test_export_csv_neutralises_formulas_and_round_trips(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    src = env.dir / "in.jsonl"
    src.write_text(
        "".join(
            json.dumps(
                {
                    "id": i,
                    "text": t,
                    "created_at": "2026-11-01T10:00:00Z",
                    "brand": "acme",
                    "app_version": "4.2",
                }
            )
            + "\n"
            for i, t in HOSTILE
        )
    )
    assert env.cli("import", str(src), capsys=capsys)[0] == 0
    out = env.dir / "out.csv"
    code, _, _ = env.cli("export", "mentions", "--format", "csv", "--output", str(out), capsys=capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    by_id = {r["id"]: r for r in rows}
    assert by_id["h1"]["text"] == "'" + HOSTILE[0][1]
    assert by_id["h2"]["text"].startswith("'@SUM")
    assert by_id["h3"]["text"].startswith("'+1")
    assert by_id["h4"]["text"].startswith("'-acme")
    assert by_id["h5"]["text"].startswith("'\t")
    assert by_id["h6"]["text"] == HOSTILE[5][1]
    # Numbers stay numbers: a negative compound is not a formula.
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", r["compound"]) for r in rows)
    assert set(rows[0]) >= {
        "id",
        "text",
        "created_at",
        "source",
        "brand",
        "author",
        "url",
        "title",
        "rating",
        "lang",
        "source_name",
        "compound",
        "pos",
        "neu",
        "neg",
        "label",
        "scored",
    }
    # JSONL keeps the text unchanged (it is data, not a spreadsheet) and keeps extra columns.
    code, jl, _ = env.cli("export", "mentions", "--brand", "acme", capsys=capsys)
    records = [json.loads(line) for line in jl.splitlines()]
    assert {r["id"]: r["text"] for r in records} == dict(HOSTILE)
    assert all(r["app_version"] == "4.2" and r["scored"] is True for r in records)
    # An export imports again as the same mentions: nothing new.
    back = env.dir / "back.jsonl"
    back.write_text(jl)
    code, out_text, _ = env.cli("import", str(back), capsys=capsys)
    assert f"{len(HOSTILE)} rows read: 0 stored, {len(HOSTILE)} duplicate" in out_text


def test_export_time_window_and_bad_time(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    src = env.dir / "in.csv"
    src.write_text("id,text,created_at,brand\n1,a,2026-11-01T10:00:00Z,acme\n2,b,2026-11-02T10:00:00Z,acme\n")
    env.cli("import", str(src), capsys=capsys)
    code, out, _ = env.cli("export", "mentions", "--since", "2026-11-02", capsys=capsys)
    assert code == 0 and [json.loads(x)["id"] for x in out.splitlines()] == ["2"]
    code, _, err = env.cli("export", "mentions", "--until", "tomorrow", capsys=capsys)
    assert code == 2 and "--until: not an ISO 8601 time: 'tomorrow'" in err


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+x", "'+x"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        ("ok", "ok"),
        (-0.5, -0.5),
        (3, 3),
        ("", ""),
    ],
)
def test_csv_cell(value: object, expected: object) -> None:
    assert csv_cell(value) == expected


def test_plain_strips_terminal_escapes_and_controls() -> None:
    hostile = "a\x1b[31mRED\x1b[0m b\x1b]0;pwned\x07 c\x9b2J d\u202eevil\x00\x08 [bold]x[/bold]"
    assert plain(hostile) == "aRED b c devil [bold]x[/bold]"
    assert plain("one\ntwo\tthree", one_line=True) == "one two three"
    assert plain("abcdef", limit=4) == "abc…"


def test_status_prints_source_errors_as_plain_text(env: Env) -> None:
    # A path holding an escape sequence ends up in the error message that status shows.
    env.write(sources='[[sources]]\nname = "feed"\ntype = "file"\npath = "x\\u001b[2Jy.jsonl"\n')
    assert env.run("poll").returncode == 1
    proc = env.run("status")
    assert proc.returncode == 0
    assert "\x1b" not in proc.stdout and "file not found" in proc.stdout


def test_network_other_than_loopback_is_blocked() -> None:
    with pytest.raises(Exception, match=r"(?i)socket|network|blocked"):
        socket.create_connection(("93.184.216.34", 80), timeout=1)


def test_readme_starts_with_the_two_setup_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S)
    assert (blocks and blocks[0].split() == ["make", "run"]) or blocks[0].strip().splitlines()[:2] == [
        "make run",
        "make test",
    ]


def test_no_shared_data_is_copied_into_the_repository() -> None:
    shared = shared_path("data")
    ours = {
        p.read_bytes()
        for p in ROOT.rglob("*")
        if p.is_file()
        and ".venv" not in p.parts
        and ".git" not in p.parts
        and p.stat().st_size > 200
        and p.stat().st_size < 5_000_000
    }
    theirs = [p for p in shared.rglob("*") if p.is_file() and p.stat().st_size > 200]
    assert not [p for p in theirs if p.read_bytes() in ours]


def test_pyproject_pins_compatible_ranges() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    unbounded = [d for d in deps if "<" not in d and "==" not in d]
    assert not unbounded, f"dependencies without an upper bound: {unbounded}"


def test_example_files_exist_and_settings_point_at_them() -> None:
    from monitor.config import load_settings

    settings = load_settings(ROOT / "settings.toml")
    for src in settings.sources.values():
        assert (src.spec.base_dir / src.spec.options.path).is_file(), src.name
    assert Path(ROOT / "examples" / "README.md").is_file()


def test_export_to_a_terminal_shows_no_escape_sequences(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    """Run the real command on a pseudo-terminal, as a person would see it."""
    import os
    import subprocess

    from tests.conftest import MONITOR

    src = env.dir / "in.jsonl"
    evil = "acme \x1b[2J\x1b]0;pwned\x07 \u202eevil \x9b31m"
    src.write_text(json.dumps({"id": "e", "text": evil, "created_at": "2026-11-01", "brand": "acme"}) + "\n")
    assert env.cli("import", str(src), capsys=capsys)[0] == 0
    for fmt in ("csv", "jsonl"):
        leader, follower = os.openpty()
        proc = subprocess.run(
            [MONITOR, "--config", str(env.config), "export", "mentions", "--format", fmt],
            stdout=follower,
            stderr=subprocess.PIPE,
            timeout=60,
        )
        os.close(follower)
        screen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        os.close(leader)
        assert proc.returncode == 0
        text = screen.decode("utf-8", errors="replace")
        assert "acme" in text
        for bad in ("\x1b", "\x07", "\u202e", "\x9b"):
            assert bad not in text, (fmt, bad)
    # Into a file the text is kept exactly (it is data).
    out = env.dir / "out.jsonl"
    env.cli("export", "mentions", "--output", str(out), capsys=capsys)
    assert json.loads(out.read_text())["text"] == evil


def test_score_uses_stars_when_text_is_unreadable(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    c = env.dir / "reviews.csv"
    c.write_text(
        "id,text,lang,rating\n1,Berbat bir uygulama,tr,1\n2,Harika,tr,\n3,Great app,en,1\n4,ok,en,9\n"
    )
    code, out, _ = env.cli("score", str(c), capsys=capsys)
    assert code == 0
    rows = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert (rows["1"]["compound"], rows["1"]["label"], rows["1"]["lang"]) == (-1.0, "negative", "tr")
    assert rows["2"]["label"] == "unscored" and rows["3"]["label"] == "positive"
    assert "4" not in rows  # a rating outside 1-5 is rejected
