"""Package boundaries: one-way imports between domain packages, nothing run at import time."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = {"features", "training", "scoring", "fairness", "models"}
ALLOWED = {
    "features": set(),
    "fairness": set(),
    "models": {"features"},
    "training": {"features", "models", "fairness"},
    "scoring": {"features", "models"},
}


def _imports(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_domain_packages_import_only_what_the_design_allows():
    for package, allowed in ALLOWED.items():
        used = _imports(package) & (DOMAIN | {"placerisk"})
        used.discard(package)
        assert used <= allowed, f"{package} imports {sorted(used - allowed)}; allowed: {sorted(allowed)}"


def test_domain_packages_know_nothing_of_the_cli():
    for package in DOMAIN:
        assert "placerisk" not in _imports(package), package


def test_every_package_imports_cleanly():
    for name in sorted(DOMAIN) + ["placerisk", "placerisk.synth", "placerisk.contracts", "placerisk.privacy"]:
        importlib.import_module(name)
