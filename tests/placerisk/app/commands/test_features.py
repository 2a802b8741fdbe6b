"""`placerisk features` on validated data: quarantined rows never reach a feature; stale or failed validation is refused."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from placerisk.cli import main

from ...datatools.contracts.conftest import ONLY_POLICE, valid_tables, write_tables


@pytest.fixture
def project(tmp_path):
    config = tmp_path / "placerisk.yaml"
    settings = ONLY_POLICE | {"data": {"extract_date": "2026-03-31", "dir": "data", "output_dir": "out"}, "validation": {"max_bad_row_share": 0.5}}
    config.write_text(yaml.safe_dump(settings))
    return tmp_path, config


def test_quarantined_rows_never_reach_a_feature(project, capsys):
    folder, config = project
    tables = valid_tables()
    tables["police"] += [
        {"person_id": "p2", "event_type": "asb", "event_date": "2023-12-01", "recorded_date": "2023-12-01"},
        {"person_id": "p2", "event_type": "asb", "event_date": "2023-12-01", "recorded_date": "2023-12-01"},  # duplicate
        {"person_id": "p2", "event_type": "stabbing", "event_date": "2023-12-02", "recorded_date": "2023-12-02"},  # unknown code
        {"person_id": "p2", "event_type": "asb", "event_date": "2023-12-05", "recorded_date": "2023-11-01"},  # recorded before event
    ]
    write_tables(folder / "data", tables)
    assert main(["validate", "--config", str(config)]) == 0
    out = folder / "out" / "features.parquet"
    assert main(["features", "--config", str(config), "--as-of", "2024-01-01", "--out", str(out)]) == 0
    frame = pd.read_parquet(out)
    f1 = frame[frame.family_id == "fa01"].iloc[0]
    assert f1["police__asb__count_3m"] == 1  # only the first of the duplicates; the bad rows are out
    assert f1["police__asb__count_24m"] == 2  # plus p2's 2022-07-15
    meta = json.loads((folder / "out" / "features.parquet.meta.json").read_text())
    assert meta["rows"]["2024-01-01"]["families"] == len(frame)
    assert meta["feature_definitions_hash"] and meta["data_fingerprint"]
    assert set(meta["features"]) == set(frame.columns) - {"family_id", "as_of_date", "in_cohort", "label", "label_complete", "team",
                                                           "deprivation_decile", "deprivation_quintile", "ethnicity", "index_sex", "index_age_band"}
    # Never overwrite without being asked.
    assert main(["features", "--config", str(config), "--as-of", "2024-01-01", "--out", str(out)]) == 2


def test_features_refuse_data_that_changed_since_validation_or_failed_it(project, capsys):
    folder, config = project
    write_tables(folder / "data", valid_tables())
    out = folder / "out" / "f.parquet"
    assert main(["features", "--config", str(config), "--as-of", "2024-01-01", "--out", str(out)]) == 2
    assert "run `placerisk validate" in capsys.readouterr().err
    assert main(["validate", "--config", str(config)]) == 0
    with (folder / "data" / "police.csv").open("a") as fh:
        fh.write("p1,asb,2023-01-01,2023-01-01\n")
    assert main(["features", "--config", str(config), "--as-of", "2024-01-01", "--out", str(out)]) == 2
    assert "changed since it was validated" in capsys.readouterr().err
    (folder / "data" / "objections.csv").write_text("family_id,person_id,recorded_date\n,,2024-01-01\n")
    assert main(["validate", "--config", str(config), "--overwrite"]) == 1
    assert main(["features", "--config", str(config), "--as-of", "2024-01-01", "--out", str(out)]) == 2
    assert "validation of" in capsys.readouterr().err and not out.exists()


@pytest.mark.slow
def test_synth_validate_features_end_to_end(tmp_path):
    data, report, out = tmp_path / "d", tmp_path / "v", tmp_path / "f.parquet"
    assert main(["synth", "--families", "3000", "--out", str(data)]) == 0
    assert main(["validate", "--data", str(data), "--out", str(report)]) == 0
    assert main(["features", "--data", str(data), "--validation", str(report), "--as-of", "2023-01-01", "2023-04-01", "--out", str(out)]) == 0
    frame = pd.read_parquet(out)
    assert set(frame.as_of_date.astype(str)) == {"2023-01-01", "2023-04-01"}
    assert frame.in_cohort.all() and frame.label.notna().all()
    assert 0.02 < frame.label.mean() < 0.15
    assert not frame.duplicated(["family_id", "as_of_date"]).any()


def test_changed_contracts_or_late_dates_are_refused_and_leave_nothing_behind(project, capsys):
    folder, config = project
    write_tables(folder / "data", valid_tables())
    assert main(["validate", "--config", str(config)]) == 0
    out = folder / "out" / "f.parquet"
    assert main(["features", "--config", str(config), "--as-of", "2027-01-01", "--out", str(out)]) == 2
    assert "expected dates on or before the data's end (2026-03-31)" in capsys.readouterr().err
    assert sorted(p.name for p in out.parent.iterdir()) == ["validation"]  # no output, no temporary files
    settings = yaml.safe_load(config.read_text())
    settings["population"] = {"sex_codes": ["F", "M"]}
    config.write_text(yaml.safe_dump(settings))
    assert main(["features", "--config", str(config), "--as-of", "2024-01-01", "--out", str(out)]) == 2
    assert "data contracts in the config changed" in capsys.readouterr().err


def test_a_lookback_before_the_first_event_is_warned_and_recorded(project, capsys):
    folder, config = project
    write_tables(folder / "data", valid_tables())
    assert main(["validate", "--config", str(config)]) == 0
    out = folder / "out" / "f.parquet"
    assert main(["features", "--config", str(config), "--as-of", "2023-01-01", "--out", str(out)]) == 0
    assert "lookback starts before the first event (2022-07-15)" in capsys.readouterr().err
    meta = json.loads((folder / "out" / "f.parquet.meta.json").read_text())
    assert meta["truncated_lookback"] == ["2023-01-01"]


def test_a_date_before_the_data_starts_is_refused_not_labelled_0(project, capsys):
    folder, config = project
    write_tables(folder / "data", valid_tables())
    assert main(["validate", "--config", str(config)]) == 0
    out = folder / "out" / "f.parquet"
    for date in ("2010-01-01", "2022-07-15"):  # long before, and on the first event's day (nothing recorded before it)
        assert main(["features", "--config", str(config), "--as-of", "2024-01-01", date, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"--as-of: got {date}; expected dates after the data's first event (2022-07-15)" in err
        assert not out.exists()
    assert main(["features", "--config", str(config), "--as-of", "2022-07-16", "--out", str(out)]) == 0
