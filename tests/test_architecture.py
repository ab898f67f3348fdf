"""The dependency rules of DESIGN.md, checked on the source so they cannot erode quietly."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

SHARED_TYPES = {"connectors.types", "connectors.errors"}  # the small modules both may import


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


@pytest.mark.parametrize("package", ["analysis", "connectors"])
def test_lower_packages_never_import_monitor(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        bad = {m for m in imports_of(path) if m == "monitor" or m.startswith("monitor.")}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_analysis_and_connectors_share_only_the_value_types() -> None:
    for path in (ROOT / "analysis").rglob("*.py"):
        bad = {m for m in imports_of(path) if m.startswith("connectors") and m not in SHARED_TYPES}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
    for path in (ROOT / "connectors").rglob("*.py"):
        bad = {m for m in imports_of(path) if m == "analysis" or m.startswith("analysis.")}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_analysis_does_no_io() -> None:
    forbidden = {"requests", "sqlalchemy", "socket", "urllib", "httpx", "subprocess"}
    for path in (ROOT / "analysis").rglob("*.py"):
        bad = {m for m in imports_of(path) if m.split(".")[0] in forbidden}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
        assert "open(" not in path.read_text(encoding="utf-8"), f"{path.relative_to(ROOT)} opens files"


def test_the_cli_and_settings_load_without_pandas_matplotlib_or_the_detector() -> None:
    """Every command imports the CLI and validates settings.toml (alert rules included); the heavy
    libraries load only in the commands that use them, so `monitor import` and friends start fast."""
    import subprocess
    import sys

    code = (
        "import sys; import monitor.cli; from monitor.config import load_settings; "
        f"load_settings({str(ROOT / 'settings.toml')!r}); "
        "print(sorted(m for m in ('pandas', 'matplotlib', 'analysis.spikes.detector') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_the_cli_module_imports_no_database_settings_or_command_family() -> None:
    """`monitor import` starts its scoring pool's fork server before it loads settings and opens the
    store, so that the server's start-up (most of a second) overlaps them: importing the CLI itself
    must not pull in SQLAlchemy, pydantic or the command families (alerting, report, index)."""
    import subprocess
    import sys

    heavy = ("sqlalchemy", "alembic", "pydantic", "apprise", "jinja2", "monitor.config", "monitor.cli_alerts")
    code = f"import sys; import monitor.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_every_command_family_is_listed_and_loads() -> None:
    import click

    from monitor.cli import LAZY_COMMANDS, cli

    ctx = click.Context(cli)
    names = cli.list_commands(ctx)
    assert set(LAZY_COMMANDS) <= set(names) and {"import", "run", "poll", "score", "status"} <= set(names)
    for name in names:
        command = cli.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name
