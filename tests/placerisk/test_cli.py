"""The command line: help, init, clear one-line errors, synth + validate end to end, pseudonymise."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from placerisk.cli import main


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("init", "synth", "validate", "pseudonymise"):
        assert command in out


def test_init_writes_the_example_and_will_not_overwrite(tmp_path, capsys):
    path = tmp_path / "placerisk.yaml"
    assert main(["init", "--path", str(path)]) == 0
    assert "config_version: 1" in path.read_text()
    assert main(["init", "--path", str(path)]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert main(["init", "--path", str(path), "--force"]) == 0


def test_config_error_is_one_clear_message_and_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("config_version: 1\nteams:\n  - {name: A, weekly_capacity: 0}\n")
    proc = subprocess.run([sys.executable, "-m", "placerisk", "validate", "--config", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "teams[0].weekly_capacity: got 0; expected greater than or equal to 1" in proc.stderr


def test_bad_argument_value_is_reported(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["synth", "--families", "lots"])
    assert exit_.value.code == 2
    assert "got 'lots'; expected a whole number" in capsys.readouterr().err


@pytest.mark.slow
def test_synth_then_validate_passes_and_outputs_are_protected(tmp_path, capsys):
    data, report = tmp_path / "data", tmp_path / "report"
    assert main(["synth", "--families", "2000", "--out", str(data)]) == 0
    assert main(["validate", "--data", str(data), "--out", str(report)]) == 0
    result = json.loads((report / "report.json").read_text())
    assert result["passed"] and all(f["status"] == "accepted" for f in result["files"])
    # Never overwrite an earlier output unless asked.
    assert main(["synth", "--families", "2000", "--out", str(data)]) == 2
    assert main(["validate", "--data", str(data), "--out", str(report)]) == 2
    assert "pass --overwrite" in capsys.readouterr().err
    assert main(["validate", "--data", str(data), "--out", str(report), "--overwrite"]) == 0
    # A non-empty folder that is not ours is never deleted, even with --overwrite.
    other = tmp_path / "mine"
    other.mkdir()
    (other / "precious.txt").write_text("keep")
    assert main(["synth", "--families", "100", "--out", str(other), "--overwrite"]) == 2
    assert (other / "precious.txt").exists()


@pytest.mark.slow
def test_dirty_extracts_quarantine_exactly_the_injected_faults(tmp_path, capsys):
    data, report = tmp_path / "data", tmp_path / "report"
    assert main(["synth", "--families", "3000", "--out", str(data), "--dirty", "--seed", "11"]) == 0
    assert main(["validate", "--data", str(data), "--out", str(report)]) == 1  # the housing file is refused
    err = capsys.readouterr().err
    assert "housing" in err and "direct identifiers" in err and "postcode" in err

    injected = pd.read_csv(data / "truth" / "injected_faults.csv")
    result = json.loads((report / "report.json").read_text())
    files = {f["name"]: f for f in result["files"]}
    assert files["housing"]["status"] == "refused"
    assert set(injected.loc[injected.rule.str.startswith("identifier_column"), "file"]) == {"housing"}

    persons = pd.read_parquet(data / "persons.parquet")
    bad_people = set(injected.loc[(injected.file == "persons") & (injected.rule != "duplicate_key:person_id"), "person_id"])
    for name, f in files.items():
        expected = {(int(r.row), r.rule) for r in injected[(injected.file == name) & ~injected.rule.str.startswith("identifier")].itertuples()}
        if name == "housing" or not (expected or f["quarantine"]):
            continue
        q = pd.read_parquet(f["quarantine"])
        reasons = {int(r.row): r.reasons.split("; ") for r in q.itertuples()}
        # Every injected fault is quarantined for the injected reason...
        for row, rule in expected:
            assert rule in reasons.get(row, []), (name, row, rule)
        # ...and every other quarantined row is an event of a person quarantined for an injected fault.
        cascade = q[~q.row.isin([r for r, _ in expected])]
        assert set(cascade.rule) <= {"quarantined_reference:person_id"}, name
        assert set(cascade.person_id) <= bad_people, name
        if name != "persons" and bad_people:
            events = pd.read_parquet(data / f"{name}.parquet")
            n_cascade_expected = int(events.person_id.isin(bad_people).sum()) - int(
                sum(1 for row, _ in expected if events.loc[row - 1, "person_id"] in bad_people)
            )
            assert len(cascade) == n_cascade_expected, name
        assert f["bad_rows"] == len(q)
    assert len(persons) == files["persons"]["rows"]


def test_pseudonymise_gives_matching_pseudonyms_across_partner_files(tmp_path, capsys):
    key = tmp_path / "key.txt"
    key.write_text("a-long-shared-secret-for-tests-only\n")
    (tmp_path / "police.csv").write_text("local_ref,nhs_number,event\nA1,943 476 5919,asb\nA2,4010232137,dv\n")
    (tmp_path / "health.csv").write_text("nhs_number,attended\n9434765919,2024-01-01\n4010232137,2024-02-01\n")
    for name in ("police", "health"):
        code = main(["pseudonymise", "--in", str(tmp_path / f"{name}.csv"), "--out", str(tmp_path / f"{name}_p.csv"), "--columns", "nhs_number", "--key-file", str(key)])
        assert code == 0
    police = pd.read_csv(tmp_path / "police_p.csv", dtype=str)
    health = pd.read_csv(tmp_path / "health_p.csv", dtype=str)
    assert list(police.nhs_number) == list(health.nhs_number)
    assert police.nhs_number.str.fullmatch("[0-9a-f]{16}").all()
    out = capsys.readouterr()
    assert "a-long-shared-secret" not in out.out + out.err
    # Without a key: a clear error naming the variable, not a traceback.
    assert main(["pseudonymise", "--in", str(tmp_path / "health.csv"), "--out", str(tmp_path / "x.csv"), "--columns", "nhs_number", "--key-env", "NO_SUCH_KEY_VAR"]) == 2
    assert "NO_SUCH_KEY_VAR" in capsys.readouterr().err
    # Never overwrite the original.
    assert main(["pseudonymise", "--in", str(tmp_path / "health.csv"), "--out", str(tmp_path / "health.csv"), "--columns", "nhs_number", "--key-file", str(key), "--overwrite"]) == 2
