"""Outputs are never overwritten or deleted unless they are ours and we are asked; argument errors are clean."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml

from placerisk.cli import main
from placerisk.config import parse_config
from placerisk.errors import ConfigError, UserError
from placerisk.app.outputs import MARKER, prepare_output


def test_overwrite_never_deletes_files_placerisk_did_not_write(tmp_path):
    out = tmp_path / "out"
    prepare_output(out, overwrite=False, kind="validation report", owned={"report.json"})
    (out / "report.json").write_text("{}")
    (out / "thesis.docx").write_text("mine")
    with pytest.raises(UserError, match="holds files placerisk did not write"):
        prepare_output(out, overwrite=True, kind="validation report", owned={"report.json"})
    assert (out / "thesis.docx").exists()
    (out / "thesis.docx").unlink()
    prepare_output(out, overwrite=True, kind="validation report", owned={"report.json"})
    assert sorted(p.name for p in out.iterdir()) == [MARKER]


def test_a_folder_of_another_kind_or_a_file_is_refused(tmp_path):
    out = tmp_path / "out"
    prepare_output(out, overwrite=False, kind="synthetic population", owned=set())
    (out / "x.parquet").write_text("")
    with pytest.raises(UserError, match="did not write a validation report there"):
        prepare_output(out, overwrite=True, kind="validation report", owned={"x.parquet"})
    (tmp_path / "f").write_text("")
    with pytest.raises(UserError, match="is a file"):
        prepare_output(tmp_path / "f", overwrite=True, kind="validation report", owned=set())


def test_negative_seed_and_empty_column_list_are_user_errors(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["synth", "--seed", "-1"])
    assert "expected a whole number of at least 0" in capsys.readouterr().err
    (tmp_path / "a.csv").write_text("id\n1\n")
    (tmp_path / "k").write_text("k" * 32)
    assert main(["pseudonymise", "--in", str(tmp_path / "a.csv"), "--out", str(tmp_path / "b.csv"), "--columns", ",", "--key-file", str(tmp_path / "k")]) == 2
    assert "expected one or more column names" in capsys.readouterr().err
    assert not (tmp_path / "b.csv").exists()


def test_init_into_a_missing_folder_is_a_clean_error(tmp_path, capsys):
    assert main(["init", "--path", str(tmp_path / "no" / "such" / "x.yaml")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_pseudonymise_keeps_csv_text_exactly(tmp_path):
    (tmp_path / "k").write_text("k" * 32)
    (tmp_path / "in.csv").write_bytes(b'\xef\xbb\xbf"id","other"\n"00123","007"\n"0123","7"\n')
    assert main(["pseudonymise", "--in", str(tmp_path / "in.csv"), "--out", str(tmp_path / "out.csv"), "--columns", "id", "--key-file", str(tmp_path / "k")]) == 0
    out = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert out.id[0] != out.id[1]
    assert list(out.other) == ["007", "7"]


def test_file_names_must_be_distinct_and_safe():
    with pytest.raises(ConfigError, match="a different file name for each"):
        parse_config({"config_version": 1, "sources": {"police": {"file": "persons"}}})
    with pytest.raises(ConfigError, match=r"sources.police.file: got '../x'"):
        parse_config({"config_version": 1, "sources": {"police": {"file": "../x"}}})


@pytest.mark.slow
def test_synth_and_validate_follow_configured_file_names(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"config_version": 1, "sources": {"police": {"file": "police-extract.v2"}}, "population": {"persons": "people"}}))
    data, report = tmp_path / "data", tmp_path / "report"
    assert main(["synth", "--config", str(config), "--families", "500", "--out", str(data), "--dirty"]) == 0
    assert (data / "police-extract.v2.parquet").exists() and (data / "people.parquet").exists()
    assert main(["validate", "--config", str(config), "--data", str(data), "--out", str(report)]) == 1  # housing refused
    import json

    files = {f["name"]: f for f in json.loads((report / "report.json").read_text())["files"]}
    assert files["police-extract.v2"]["status"] == "accepted_with_quarantine"
    assert files["people"]["status"] == "accepted_with_quarantine"


def test_a_once_a_term_outcome_is_rejected_for_synth(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"config_version": 1, "outcome": {"events": ["education.persistent_absence"]}}))
    assert main(["synth", "--config", str(config), "--families", "100", "--out", str(tmp_path / "d")]) == 2
    assert "once-a-term record" in capsys.readouterr().err


def test_a_mid_month_extract_does_not_pile_events_on_its_last_day(tmp_path):
    import duckdb

    from placerisk.datatools.synth import generate

    from ..datatools.synth.conftest import settings_from_defaults

    settings = settings_from_defaults(4000, extract=dt.date(2025, 6, 10), oracle_as_of=(dt.date(2023, 1, 1),))
    generate(settings, tmp_path / "d", workers=1)
    rows = duckdb.sql(f"SELECT event_date, count(*) FROM '{tmp_path}/d/health.parquet' WHERE event_date >= DATE '2025-05-01' GROUP BY 1").fetchall()
    per_day = dict(rows)
    assert max(per_day) <= dt.date(2025, 6, 10)
    median = sorted(per_day.values())[len(per_day) // 2]
    assert per_day.get(dt.date(2025, 6, 10), 0) < 3 * median


def test_a_once_a_child_or_community_outcome_is_rejected_for_synth(tmp_path, capsys):
    for event, words in (("early_years.not_reaching_gld", "once-a-child record"), ("community_sector.wellbeing_concern", "a community concern")):
        config = tmp_path / "c.yaml"
        config.write_text(yaml.safe_dump({"config_version": 1, "outcome": {"events": [event]}}))
        assert main(["synth", "--config", str(config), "--families", "100", "--out", str(tmp_path / "d")]) == 2
        assert words in capsys.readouterr().err


def test_synth_writes_the_configured_partners_and_refuses_one_it_does_not_generate(tmp_path, capsys):
    some = tmp_path / "some.yaml"
    some.write_text(yaml.safe_dump({"config_version": 1, "sources": {s: None for s in (
        "housing", "youth_justice", "early_years", "fire_and_rescue", "welfare", "community_sector", "social_care", "education")}}))
    assert main(["synth", "--config", str(some), "--families", "100", "--out", str(tmp_path / "d")]) == 0
    assert sorted(p.stem for p in (tmp_path / "d").glob("*.parquet")) == ["areas", "families", "health", "persons", "police"]
    own = tmp_path / "own.yaml"
    own.write_text(yaml.safe_dump({"config_version": 1, "sources": {"probation": {"file": "probation", "event_types": {"x": "X"}}}}))
    assert main(["synth", "--config", str(own), "--families", "100", "--out", str(tmp_path / "e")]) == 2
    assert "got ['probation'], which `synth` does not generate" in capsys.readouterr().err
