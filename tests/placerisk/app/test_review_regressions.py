"""Defects found by a hostile review of the application layer, each held by a test."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest
import yaml

from placerisk.app.catalog import Catalog
from placerisk.app.outputs import staged_folder
from placerisk.cli import main
from placerisk.config import load_config

from ..datatools.contracts.conftest import ONLY_POLICE, valid_tables, write_tables


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "placerisk.yaml"
    config.write_text(yaml.safe_dump(ONLY_POLICE | {"data": {"extract_date": "2026-03-31", "dir": "data", "output_dir": "out"}}))
    write_tables(tmp_path / "data", valid_tables())
    (tmp_path / "key.txt").write_text("k" * 40)
    (tmp_path / "key.txt").chmod(0o600)
    (tmp_path / "raw.csv").write_text("id\n9434765919\n")
    return tmp_path, config


def _pseudonymise(config, out, *, source="raw.csv"):
    return main(["pseudonymise", "--config", str(config), "--in", source, "--out", str(out), "--columns", "id", "--key-file", "key.txt",
                 "--overwrite"])


def test_pseudonymise_never_writes_over_its_input_key_or_config_or_into_the_data(project, capsys):
    root, config = project
    os.link(root / "raw.csv", root / "hard.csv")  # the same file under another name
    before = {p: p.read_bytes() for p in (root / "raw.csv", root / "key.txt", config)}
    for out in ("hard.csv", "key.txt", config, "data/new.csv"):
        assert _pseudonymise(config, out) == 2, out
        assert "error:" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in before} == before and not (root / "data" / "new.csv").exists()
    assert _pseudonymise(config, "no/such/folder.csv") == 2
    assert "does not exist" in capsys.readouterr().err


def test_init_never_writes_into_the_data_or_through_a_link(project, capsys):
    root, _ = project
    before = (root / "data" / "police.csv").read_bytes()
    assert main(["init", "--path", "data/police.csv", "--force"]) == 2
    assert (root / "data" / "police.csv").read_bytes() == before
    (root / "link.yaml").symlink_to(root / "data" / "ghost.yaml")
    assert main(["init", "--path", "link.yaml"]) == 2
    assert not (root / "data" / "ghost.yaml").exists()
    assert "symbolic link" in capsys.readouterr().err


def test_synth_never_nests_a_population_in_the_data(project, capsys):
    root, config = project
    assert main(["synth", "--config", str(config), "--families", "50", "--out", "data/sub"]) == 2
    assert "inside the data folder" in capsys.readouterr().err and not (root / "data" / "sub").exists()


def test_features_never_write_over_the_config(project, capsys):
    root, config = project
    assert main(["validate", "--config", str(config)]) == 0
    copy = root / "cfg.parquet"
    copy.write_text(config.read_text())
    assert main(["features", "--config", str(copy), "--as-of", "2024-01-01", "--out", str(copy), "--overwrite"]) == 2
    assert copy.read_text() == config.read_text()


def test_a_report_read_from_another_folder_is_still_the_same_report(project, monkeypatch):
    root, config = project
    assert main(["validate", "--config", str(config), "--data", "data"]) == 0  # a relative path
    (root / "elsewhere").mkdir()
    monkeypatch.chdir(root / "elsewhere")
    assert main(["features", "--config", str(config), "--data", str(root / "data"), "--as-of", "2024-01-01",
                 "--out", str(root / "f.parquet")]) == 0


def test_a_report_missing_a_file_entry_is_damaged_not_a_bug(project, capsys):
    root, config = project
    assert main(["validate", "--config", str(config)]) == 0
    report = Catalog(load_config(config)).validation(root / "data").report_json
    content = json.loads(report.read_text())
    del content["files"][0]["fingerprint"]
    report.write_text(json.dumps(content))
    assert main(["features", "--config", str(config), "--as-of", "2024-01-01", "--out", str(root / "f.parquet")]) == 2
    assert "damaged or incomplete" in capsys.readouterr().err


def test_a_column_in_two_roles_is_refused(project, capsys):
    root, _ = project
    pd.DataFrame({"fid": ["a", "b"], "y": [0, 1], "x": [1.0, 2.0]}).to_csv(root / "t.csv", index=False)
    assert main(["train", "--table", str(root / "t.csv"), "--id", "fid", "--label", "y", "--sensitive", "y", "--no-register"]) == 2
    assert "more than one role" in capsys.readouterr().err
    pd.DataFrame({"risk": [0.1, 0.5, 0.7], "outcome": [0, 0, 0], "g": ["A", "B", "A"]}).to_csv(root / "s.csv", index=False)
    base = ["audit", "--scores", str(root / "s.csv"), "--score", "risk", "--label", "outcome", "--top-k", "1", "--out", "a"]
    assert main([*base, "--sensitive", "risk"]) == 2
    assert "one role only" in capsys.readouterr().err
    assert main([*base, "--sensitive", "g"]) == 2
    assert "is 0 on every row; expected both outcomes" in capsys.readouterr().err


def test_a_yaml_key_that_is_not_a_name_is_a_clear_error(project, capsys):
    root, _ = project
    (root / "k.yaml").write_text("config_version: 1\n? [a, b]\n: 2\n")
    assert main(["validate", "--config", str(root / "k.yaml")]) == 2
    assert "a key must be a name" in capsys.readouterr().err


def test_a_swap_interrupted_between_its_renames_is_restored_not_lost(tmp_path):
    out = tmp_path / "audit"
    with staged_folder(out, overwrite=False, kind="fairness audit", owned={"report.json"}) as staging:
        (staging / "report.json").write_text("first")
    out.rename(tmp_path / ".audit.placerisk-old")  # as if killed after moving the old output aside
    with pytest.raises(Exception, match="already holds files"):
        with staged_folder(out, overwrite=False, kind="fairness audit", owned={"report.json"}):
            pass
    assert (out / "report.json").read_text() == "first"


def _with_a_bad_row(root, config):
    tables = valid_tables()
    tables["police"].append(dict(tables["police"][0]))  # a duplicate: quarantined
    write_tables(root / "data", tables)
    settings = yaml.safe_load(config.read_text())
    config.write_text(yaml.safe_dump({**settings, "validation": {"max_bad_row_share": 0.5}}))
    assert main(["validate", "--config", str(config)]) == 0
    return Catalog(load_config(config)).validation(root / "data").dir / "quarantine" / "police.parquet"


def test_an_emptied_or_missing_quarantine_never_lets_bad_rows_back(project, capsys):
    root, config = project
    quarantine = _with_a_bad_row(root, config)
    pd.read_parquet(quarantine).head(0).to_parquet(quarantine)
    args = ["features", "--config", str(config), "--as-of", "2024-01-01", "--out", str(root / "f.parquet")]
    assert main(args) == 2
    assert "quarantine file" in capsys.readouterr().err
    quarantine.unlink()
    assert main(args) == 2
    assert "is missing or changed since validation" in capsys.readouterr().err


def test_a_report_judged_under_looser_settings_is_refused(project, capsys):
    root, config = project
    _with_a_bad_row(root, config)
    settings = yaml.safe_load(config.read_text())
    config.write_text(yaml.safe_dump({**settings, "validation": {"max_bad_row_share": 0.02}}))
    assert main(["features", "--config", str(config), "--as-of", "2024-01-01", "--out", str(root / "f.parquet")]) == 2
    assert "judged under other validation settings" in capsys.readouterr().err
