"""MLflow at the edge: where runs go, what a training run logs, and the registered bundle.

Nothing person- or family-level is logged: no rows, no ids, no input example;
only configuration, plans, fingerprints, aggregate metrics, figures and
published (suppressed) fairness reports.
"""

from __future__ import annotations

import json
import os
import subprocess
from importlib import metadata
from pathlib import Path

import yaml

from placerisk import __version__
from placerisk.app.catalog import Catalog
from placerisk.config import Config

BUNDLE_REQUIREMENTS = ("pandas", "numpy", "scikit-learn", "lightgbm", "cloudpickle", "pyarrow")


_SET_BY_US: set[str] = set()


def tracking_uri(config: Config) -> str:
    """``MLFLOW_TRACKING_URI`` when the user set it, else the config's (a local SQLite file by default).

    MLflow itself copies every URI it is given into that variable; a value we put
    there is not mistaken for the user's on the next call in the same process.
    """
    env = os.environ.get("MLFLOW_TRACKING_URI")
    return env if env and env not in _SET_BY_US else Catalog(config).tracking_uri


def connect(config: Config):
    """Point MLflow at the configured store; return the experiment id (created on first use)."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import logging

    import mlflow

    # MLflow's INFO lines (database migrations) and its advice to pass an input example (which
    # would store real rows: never) are noise here; its errors still show.
    logging.getLogger("mlflow").setLevel(logging.ERROR)

    uri = tracking_uri(config)
    if uri == Catalog(config).tracking_uri:
        _SET_BY_US.add(uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    name = config.mlflow.experiment
    found = mlflow.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    local = uri.startswith(("sqlite:", "file:", "/"))
    location = Catalog(config).artifact_dir.resolve().as_uri() if local else None
    return mlflow.create_experiment(name, artifact_location=location)


def code_version() -> dict:
    """placerisk's version and, when run from a git checkout, the commit and whether it had local changes."""
    out = {"placerisk": __version__}
    root = Path(__file__).resolve().parents[2]  # the checkout holding placerisk/
    if not (root / ".git").exists():
        out["code_state"] = "installed"  # an installed release: its version identifies the code
        return out
    out["code_state"] = "unknown"
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5, check=False)
        if commit.returncode == 0:
            out["git_commit"] = commit.stdout.strip()
            # untracked files count too (a new module changes the code); ignored ones (data, outputs) do not
            dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=5, check=False)
            if dirty.returncode == 0:
                out["git_dirty"] = bool(dirty.stdout.strip())
                out["code_state"] = "dirty" if out["git_dirty"] else "clean"
    except (OSError, subprocess.SubprocessError):
        pass
    return out


def pip_requirements() -> list[str]:
    """Pinned to what is installed: explicit, so MLflow need not infer them (seconds per model)."""
    return [f"{name}=={metadata.version(name)}" for name in BUNDLE_REQUIREMENTS]


def resolved_config_yaml(config: Config) -> str:
    return yaml.safe_dump(json.loads(config.model_dump_json()), sort_keys=False)
