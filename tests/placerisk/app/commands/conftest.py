"""Shared by the weekly-list commands' tests: one small population trained and approved once (for the whole folder)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil

import mlflow
import pytest
import yaml

from placerisk.cli import main

from .test_train import train_small


@pytest.fixture(scope="package")
def champion(tmp_path_factory):
    root = tmp_path_factory.mktemp("score")
    config = train_small(root)
    args = ["--config", str(config)]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["findings", *args, "--red-ids"]) == 0
    red = printed.getvalue().strip()
    assert main(["approve", *args, "--version", "candidate", "--decision", "approve", "--reviewer", "Test panel", "--note", "test",
                 "--allow-dirty", *(["--accept", red] if red else [])]) == 0
    yield root, config
    mlflow.set_tracking_uri(None)
    os.environ.pop("MLFLOW_TRACKING_URI", None)


@pytest.fixture
def scored(champion, tmp_path):
    """A copy of the config whose outputs go to this test's own folder."""
    root, config = champion
    mine = tmp_path / "placerisk.yaml"
    settings = yaml.safe_load(config.read_text())
    settings["data"] = {"dir": str(root / "data"), "output_dir": str(tmp_path / "out")}
    settings["mlflow"] = {"tracking_uri": f"sqlite:///{root / 'mlflow.db'}", "artifact_dir": str(root / "mlartifacts"),
                          "decisions_log": str(root / "model-decisions.jsonl")}
    mine.write_text(yaml.safe_dump(settings))
    shutil.copytree(root / "out" / "validation", tmp_path / "out" / "validation")
    return tmp_path, mine


