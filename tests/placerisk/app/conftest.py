"""Shared by the application tests: the hand-written extracts, validated under a police-only config."""

from __future__ import annotations

import pytest
import yaml

from placerisk.cli import main

from ..datatools.contracts.conftest import ONLY_POLICE, valid_tables, write_tables


@pytest.fixture
def validated(tmp_path):
    config = tmp_path / "placerisk.yaml"
    config.write_text(yaml.safe_dump(ONLY_POLICE | {"data": {"extract_date": "2026-03-31", "dir": "data", "output_dir": "out"}}))
    write_tables(tmp_path / "data", valid_tables())
    assert main(["validate", "--config", str(config)]) == 0
    return tmp_path, config
