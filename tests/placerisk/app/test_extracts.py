"""What `features` and `train` accept as validated: the same bytes that were validated, and a readable report."""

from __future__ import annotations

import os

import pytest

from placerisk.app.catalog import Catalog
from placerisk.cli import main
from placerisk.config import load_config



def _features(config, out) -> int:
    return main(["features", "--config", str(config), "--as-of", "2024-01-01", "--out", str(out)])


def test_a_file_rewritten_with_the_same_size_and_time_is_refused(validated, capsys):
    root, config = validated
    police = root / "data" / "police.csv"
    before = police.stat()
    police.write_bytes(police.read_bytes().replace(b"asb", b"xyz", 1))  # same length, other bytes
    os.utime(police, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert police.stat().st_size == before.st_size and police.stat().st_mtime_ns == before.st_mtime_ns
    assert _features(config, root / "f.parquet") == 2
    assert "police.csv' changed since it was validated" in capsys.readouterr().err
    assert not (root / "f.parquet").exists()


def test_a_touched_but_unchanged_file_is_still_accepted(validated):
    root, config = validated
    os.utime(root / "data" / "police.csv", None)
    assert _features(config, root / "f.parquet") == 0


@pytest.mark.parametrize("damage", ['{"passed": tr', "", '{"passed": true}', "[1, 2]"])
def test_a_damaged_report_is_a_clear_error_not_a_traceback(validated, capsys, damage):
    root, config = validated
    report = Catalog(load_config(config)).validation(root / "data").report_json
    report.write_text(damage)
    assert _features(config, root / "f.parquet") == 2
    err = capsys.readouterr().err
    assert "is damaged or incomplete" in err and "placerisk validate" in err and "Traceback" not in err


def test_an_optional_file_absent_when_validated_is_an_empty_relation_and_one_that_appears_later_is_a_change(validated, capsys):
    root, config = validated
    engagements = root / "data" / "engagements.csv"
    saved = engagements.read_bytes()
    engagements.unlink()
    assert main(["validate", "--config", str(config), "--overwrite"]) == 0
    assert "not supplied (optional)" in capsys.readouterr().out
    assert _features(config, root / "f.parquet") == 0  # features never need it
    engagements.write_bytes(saved)
    assert _features(config, root / "g.parquet") == 2
    assert "engagements.csv' was not there when" in capsys.readouterr().err
