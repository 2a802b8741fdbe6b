"""What `pip install placerisk` puts in site-packages: one import name, every module, the embedded defaults."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ("features", "training", "scoring", "fairness", "models")
SKIP = shutil.ignore_patterns(".venv", ".git", "data", "outputs", "mlruns", "mlartifacts", "mlflow.db", "build", "dist", "*.egg-info",
                              "__pycache__", ".pytest_cache", ".hypothesis", "tests", "bench", "docs")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """Build the wheel from a copy of the checkout with the installed setuptools (offline: no build isolation)."""
    src = tmp_path_factory.mktemp("src") / "placerisk"
    shutil.copytree(ROOT, src, ignore=SKIP)
    out = src.parent / "dist"
    code = f"from setuptools import build_meta; print(build_meta.build_wheel({str(out)!r}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=src, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    [path] = out.glob("placerisk-*.whl")
    with zipfile.ZipFile(path) as zf:
        yield zf


def _source_modules() -> set[str]:
    names = {p.relative_to(ROOT).as_posix() for p in (ROOT / "placerisk").rglob("*.py")}
    for d in DOMAIN:
        names |= {"placerisk/" + p.relative_to(ROOT).as_posix() for p in (ROOT / d).rglob("*.py")}
    return names


def test_the_wheel_installs_one_top_level_name(wheel):
    top = {n.split("/")[0] for n in wheel.namelist() if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"placerisk"}
    for name in wheel.namelist():
        if name.endswith(".dist-info/top_level.txt"):
            assert wheel.read(name).decode().split() == ["placerisk"]


def test_every_module_and_the_embedded_defaults_are_in_the_wheel(wheel):
    inside = set(wheel.namelist())
    missing = sorted(_source_modules() - inside)
    assert not missing, f"not packaged (add the package to [tool.setuptools] packages in pyproject.toml): {missing[:5]}"
    assert "placerisk/default_config.yaml" in inside
    assert "placerisk/features/engine.py" in inside and "placerisk/app/commands/train.py" in inside


def test_the_installed_project_imports_its_domain_folders_under_placerisk_only(tmp_path):
    """Run outside the checkout, so only what the (editable) install provides is importable."""
    code = ("import importlib.util, placerisk.features, placerisk.models, placerisk.app.commands.train; "
            "print(placerisk.features.__file__); "
            "print(sorted(n for n in ('features', 'training', 'models', 'fairness', 'scoring') if importlib.util.find_spec(n)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    where, top_level = done.stdout.splitlines()
    assert Path(where) == ROOT / "features" / "__init__.py"
    assert top_level == "[]"
