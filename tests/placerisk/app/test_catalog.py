"""The catalog: one validation report per data folder, so validating a second folder never replaces the first one's."""

from __future__ import annotations

import os

import pandas as pd
import yaml

from placerisk.app.catalog import Catalog
from placerisk.cli import main
from placerisk.config import parse_config

from ..datatools.contracts.conftest import ONLY_POLICE, valid_tables, write_tables


def test_each_data_folder_has_its_own_validation_report_however_it_is_named(tmp_path, monkeypatch):
    catalog = Catalog(parse_config({"config_version": 1, "data": {"dir": str(tmp_path / "a"), "output_dir": str(tmp_path / "out")}}))
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "a").mkdir(parents=True)
    first = catalog.validation(tmp_path / "a").dir
    assert first.parent == tmp_path / "out" / "validation" and first.name.startswith("a-")
    assert catalog.validation(tmp_path / "b" / "a").dir != first  # same folder name elsewhere: another report
    monkeypatch.chdir(tmp_path)
    assert catalog.validation(type(tmp_path)("a")).dir == first  # a relative path to the same folder: the same report
    os.symlink(tmp_path / "a", tmp_path / "link")
    assert catalog.validation(tmp_path / "link").dir == first  # resolved, links included
    assert catalog.validation(tmp_path / "a", tmp_path / "mine").dir == tmp_path / "mine"  # a folder given wins


def test_validating_a_second_folder_leaves_the_first_usable(tmp_path, capsys):
    config = tmp_path / "placerisk.yaml"
    config.write_text(yaml.safe_dump(ONLY_POLICE | {"data": {"extract_date": "2026-03-31", "dir": "one", "output_dir": "out"}}))
    write_tables(tmp_path / "one", valid_tables())
    second = valid_tables()
    second["police"] = second["police"][:1]
    write_tables(tmp_path / "two", second)
    assert main(["validate", "--config", str(config)]) == 0
    assert main(["validate", "--config", str(config), "--data", str(tmp_path / "two")]) == 0
    reports = sorted(p.name for p in (tmp_path / "out" / "validation").iterdir())
    assert len(reports) == 2 and reports[0].startswith("one-") and reports[1].startswith("two-")
    for folder, asb in (("one", 1), ("two", 0)):
        out = tmp_path / f"{folder}.parquet"
        assert main(["features", "--config", str(config), "--data", str(tmp_path / folder), "--as-of", "2024-01-01", "--out", str(out)]) == 0
        frame = pd.read_parquet(out).set_index("family_id")
        assert frame.loc["fa01", "police__asb__count_24m"] == asb  # each folder's features from its own validated rows
