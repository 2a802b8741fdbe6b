"""No command writes over one of its inputs or into a data folder, whatever --overwrite says (links resolved)."""

from __future__ import annotations

import os


from placerisk.app.catalog import Catalog
from placerisk.app.outputs import DATA_KIND, MARKER
from placerisk.cli import main
from placerisk.config import load_config



def _features(config, out) -> list[str]:
    return ["features", "--config", str(config), "--as-of", "2024-01-01", "--out", str(out), "--overwrite"]


def test_features_never_replace_an_extract_even_through_a_link(validated, capsys):
    root, config = validated
    police = root / "data" / "police.csv"
    before = police.read_bytes()
    (root / "data" / "features.parquet").symlink_to(police)
    os.symlink(root / "data", root / "elsewhere")
    for out in (police.with_suffix(".parquet"), root / "data" / "features.parquet", root / "elsewhere" / "f.parquet"):
        assert main(_features(config, out)) == 2
        assert "is inside the data folder" in capsys.readouterr().err
    assert police.read_bytes() == before


def test_features_never_land_in_the_validation_report_or_a_synthetic_population(validated, capsys):
    root, config = validated
    report = Catalog(load_config(config)).validation(root / "data")
    assert main(_features(config, report.dir / "f.parquet")) == 2
    assert "is inside the input" in capsys.readouterr().err
    other = root / "population"
    other.mkdir()
    (other / MARKER).write_text(DATA_KIND + "\n")  # written by `placerisk synth`, even if not the configured data folder
    assert main(_features(config, other / "f.parquet")) == 2
    assert "is inside the data folder" in capsys.readouterr().err


def test_validate_never_writes_its_report_into_the_data(validated, capsys):
    root, config = validated
    assert main(["validate", "--config", str(config), "--out", str(root / "data" / "report"), "--overwrite"]) == 2
    assert "is inside the input" in capsys.readouterr().err
    assert not (root / "data" / "report").exists()


def test_audit_never_replaces_the_folder_holding_its_scores(tmp_path, capsys):
    folder = tmp_path / "audit"
    folder.mkdir()
    (folder / "scores.csv").write_text("risk,outcome,g\n" + "".join(f"{i / 20},{i % 2},{'AB'[i % 2]}\n" for i in range(20)))
    assert main(["audit", "--scores", str(folder / "scores.csv"), "--score", "risk", "--label", "outcome", "--sensitive", "g",
                 "--top-k", "5", "--out", str(folder), "--overwrite"]) == 2
    assert "is a folder holding the input" in capsys.readouterr().err
    assert (folder / "scores.csv").exists()


def test_pseudonymise_never_replaces_a_file_in_the_data_folder(validated, capsys):
    root, config = validated
    (root / "k").write_text("k" * 32)
    (root / "k").chmod(0o600)
    (root / "raw.csv").write_text("id\n1\n")
    target = root / "data" / "persons.csv"
    before = target.read_bytes()
    assert main(["pseudonymise", "--config", str(config), "--in", str(root / "raw.csv"), "--out", str(target), "--columns", "id",
                 "--key-file", str(root / "k"), "--overwrite"]) == 2
    assert "is inside the data folder" in capsys.readouterr().err and target.read_bytes() == before
