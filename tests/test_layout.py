"""The house: one-way imports between packages, no import cycles, small modules, nothing run at import time.

The rules (docs/architecture.md): ``features`` and ``fairness`` import no
other placerisk package; ``models`` may use ``features``; ``training`` uses
``features``, ``models`` and ``fairness``; ``scoring`` uses ``features`` and
``models``, never ``training``. Domain packages know nothing of the
application (``placerisk.app``, ``placerisk.cli``, the config) or the data
tooling. Commands never import one another.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ("features", "training", "scoring", "fairness", "models")
ALLOWED = {
    "features": set(),
    "fairness": set(),
    "models": {"features"},
    "training": {"features", "models", "fairness"},
    "scoring": {"features", "models"},
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] in DOMAIN:
        parts = ["placerisk", *parts]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    """Every installed module of the project: ``placerisk/`` and the domain folders."""
    files = [*(ROOT / "placerisk").rglob("*.py"), *(p for d in DOMAIN for p in (ROOT / d).rglob("*.py"))]
    return {_module_name(p): p for p in files}


MODULES = _sources()


def _imports(name: str, path: Path) -> set[str]:
    """The project modules ``name`` imports anywhere in its file (function-level imports included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        for t in targets:
            while t and t not in MODULES:  # `import a.b.c` of a name inside a module: the module itself
                t = t.rpartition(".")[0]
            if t:
                found.add(t)
    found.discard(name)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _top(module: str) -> str:
    """``placerisk.features.sql`` -> ``features``; ``placerisk.app.commands.train`` -> ``app``; ``placerisk.config`` -> ``config``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "placerisk"


def test_the_graph_sees_the_real_imports():
    assert "placerisk.features.definitions" in GRAPH["placerisk.features.engine"]
    assert "placerisk.app.catalog" in GRAPH["placerisk.app.commands.validate"]
    assert "placerisk.app.commands" not in GRAPH["placerisk.cli"]  # the CLI loads the chosen command by name, at run time


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_packages_import_only_what_the_design_allows(package):
    for name, deps in GRAPH.items():
        if _top(name) != package:
            continue
        used = {_top(d) for d in deps} - {package}
        assert used <= ALLOWED[package], f"{name} imports {sorted(used - ALLOWED[package])}; {package} may use only {sorted(ALLOWED[package])}"


def test_data_tooling_knows_nothing_of_the_application_or_the_domain():
    for name, deps in GRAPH.items():
        if _top(name) == "datatools":
            used = {_top(d) for d in deps} - {"datatools"}
            assert used <= {"config", "config_text", "errors", "atomic"}, f"{name} imports {sorted(used)}"


def test_commands_never_import_one_another():
    for name, deps in GRAPH.items():
        if name.startswith("placerisk.app.commands."):
            others = sorted(d for d in deps if d.startswith("placerisk.app.commands"))
            assert not others, f"{name} imports {others}"


def test_nothing_below_the_cli_imports_it():
    for name, deps in GRAPH.items():
        if name != "placerisk.__main__":  # `python -m placerisk` is the CLI's other door
            assert "placerisk.cli" not in deps, name


def test_no_import_cycles_anywhere():
    """Tarjan's strongly connected components over every module's imports: each must be a single module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert cycles == []


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def test_no_module_over_450_lines_and_none_in_the_application_layer_over_300():
    for name, path in MODULES.items():
        limit = 300 if _top(name) in ("app", "placerisk") else 450
        assert _lines(path) <= limit, f"{path.relative_to(ROOT)} has {_lines(path)} lines; the limit is {limit}"


def test_no_function_in_the_application_layer_over_60_lines():
    for name, path in MODULES.items():
        if not (name.startswith("placerisk.app") or name == "placerisk.cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                assert length <= 60, f"{path.relative_to(ROOT)}:{node.lineno} {node.name} has {length} lines; the limit is 60"


def test_every_module_imports_cleanly():
    for name in sorted(MODULES):
        if not name.endswith("__main__"):  # that one runs the CLI, by design
            importlib.import_module(name)
