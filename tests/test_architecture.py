"""The dependency rules of DESIGN.md, checked on the source so they cannot erode quietly."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from tests.conftest import ROOT

SHARED_TYPES = {"connectors.types", "connectors.errors"}  # the small modules both may import
PACKAGES = ("monitor", "connectors", "analysis")
# The feature packages of monitor/ (and the root modules that are features): settings and storage sit
# below all of them.
FEATURES = ("cli", "mentions", "index", "alerting", "report", "web", "daemon", "status")
MAX_ROOT_MODULES = 12


# -- the module graph -----------------------------------------------------------------------------


def module_files(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Every module of the packages by dotted name (a package is its __init__.py)."""
    out: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def imported_modules(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The known modules `name` imports, counting every import statement (at module level, in
    functions, under TYPE_CHECKING), relative imports resolved, and `from pkg import mod` as an
    import of pkg.mod when mod is a submodule."""
    known = set(known)
    is_package = path.name == "__init__.py"

    def nearest(dotted: str) -> str | None:
        parts = dotted.split(".")
        while parts:
            if ".".join(parts) in known:
                return ".".join(parts)
            parts.pop()
        return None

    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module
                for alias in node.names
            ]
        for target in targets:
            found = nearest(target)
            if found is not None and found != name:
                out.add(found)
    return out


def module_graph(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, set[str]]:
    files = module_files(root, packages)
    return {name: imported_modules(name, path, files) for name, path in files.items()}


def import_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One cycle (a path a -> b -> ... -> a, as a list) per strongly connected component of more
    than one module (Tarjan's algorithm, iterative, so deep graphs do not hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for succ in edges:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph.get(succ, ())))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return [_cycle_in(component, graph) for component in components]


def _cycle_in(component: list[str], graph: Mapping[str, Iterable[str]]) -> list[str]:
    """A shortest cycle through the component's first module, for the error message."""
    members = set(component)
    first = component[0]
    paths = {first: [first]}
    queue = [first]
    while queue:
        node = queue.pop(0)
        for succ in sorted(graph.get(node, ())):
            if succ == first:
                return [*paths[node], first]
            if succ in members and succ not in paths:
                paths[succ] = [*paths[node], succ]
                queue.append(succ)
    raise AssertionError(f"no cycle through {first} in {component}")  # pragma: no cover


def test_the_cycle_finder_reports_cycles_and_only_cycles() -> None:
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"f"}, "f": {"e"}, "g": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c", "a"], ["e", "f", "e"]]


def test_the_module_graph_counts_every_import_statement(tmp_path: Path) -> None:
    """Relative, function-level and TYPE_CHECKING imports are edges; `from pkg import mod` is pkg.mod."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from .c import thing\n")
    (pkg / "a.py").write_text("from . import b\nimport json\n")
    (pkg / "b.py").write_text("def f():\n    from .sub import c\n")
    (pkg / "sub" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import x\nthing = 1\n"
    )
    graph = module_graph(tmp_path, ["pkg"])
    assert graph == {
        "pkg": set(),
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.sub.c"},
        "pkg.sub": {"pkg.sub.c"},
        "pkg.sub.c": {"pkg.a"},
    }
    assert import_cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]]


def test_no_import_cycles() -> None:
    cycles = import_cycles(module_graph(ROOT))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_settings_and_storage_import_no_feature_package() -> None:
    graph = module_graph(ROOT)
    features = tuple(f"monitor.{f}" for f in FEATURES)
    for name, imported in graph.items():
        if name.startswith(("monitor.config", "monitor.storage")):
            bad = {m for m in imported if m in features or m.startswith(tuple(f + "." for f in features))}
            assert not bad, f"{name} imports {sorted(bad)}"


def test_monitor_has_at_most_12_modules_at_its_root() -> None:
    """Everything else lives in a feature package (cli/, config/, index/, alerting/, report/, ...)."""
    root = sorted(
        p.name for p in (ROOT / "monitor").glob("*.py") if p.name not in {"__init__.py", "__main__.py"}
    )
    assert len(root) <= MAX_ROOT_MODULES, f"{len(root)} modules at monitor/'s root: {', '.join(root)}"


def test_every_source_type_is_a_package_of_connectors() -> None:
    """connectors/<type>/ for each source type (its client, mapping and contract beside it), never a
    flat connectors/<type>.py."""
    from connectors.registry import CONNECTOR_MODULES

    for source_type, module in CONNECTOR_MODULES.items():
        assert module == f"connectors.{source_type}", f"{source_type!r} is implemented by {module}"
        assert (ROOT / "connectors" / source_type / "__init__.py").is_file(), (
            f"connectors/{source_type}/ is not a package"
        )
        assert not (ROOT / "connectors" / f"{source_type}.py").exists(), (
            f"connectors/{source_type}.py sits flat in connectors/"
        )


# -- the older checks ------------------------------------------------------------------------------


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
    for name, imported in module_graph(ROOT).items():
        if name == package or name.startswith(f"{package}."):
            bad = {m for m in imported if m == "monitor" or m.startswith("monitor.")}
            assert not bad, f"{name} imports {sorted(bad)}"


def test_analysis_and_connectors_share_only_the_value_types() -> None:
    for path in (ROOT / "analysis").rglob("*.py"):
        bad = {m for m in imports_of(path) if m.startswith("connectors") and m not in SHARED_TYPES}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
    for path in (ROOT / "connectors").rglob("*.py"):
        bad = {m for m in imports_of(path) if m == "analysis" or m.startswith("analysis.")}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_analysis_imports_no_io_library() -> None:
    """The static half; tests/analysis/conftest.py checks at run time that nothing in analysis/ does I/O."""
    forbidden = {"requests", "sqlalchemy", "socket", "urllib", "httpx", "subprocess"}
    for path in (ROOT / "analysis").rglob("*.py"):
        bad = {m for m in imports_of(path) if m.split(".")[0] in forbidden}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


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

    from monitor.cli import LAZY_COMMANDS

    heavy = (
        "sqlalchemy",
        "alembic",
        "pydantic",
        "apprise",
        "jinja2",
        "monitor.config",
        *(module.split(":")[0] for module in LAZY_COMMANDS.values()),
    )
    code = f"import sys; import monitor.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    assert "monitor.cli.alerts" in heavy and "monitor.cli.mentions" in heavy
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
