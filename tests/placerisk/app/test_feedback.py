"""The feedback file's checks on a published week made by hand: identifiers in any form refuse the file, never echoed."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from placerisk.app.feedback import ingest, read_store
from placerisk.cli import main
from placerisk.config import load_config

WEEK = "2026-01-05"
FAMILIES = ["a1b2c3d4e5f60718", "0770090012300000", "f0e1d2c3b4a59687"]  # the second looks like a phone number: a pseudonym
COLUMNS = ["family_id", "week", "decision", "reason_code", "partner", "role", "decided", "note"]


@pytest.fixture
def site(tmp_path):
    (tmp_path / "data").mkdir()
    config = tmp_path / "placerisk.yaml"
    config.write_text(f"config_version: 1\ndata: {{dir: {tmp_path / 'data'}, output_dir: {tmp_path / 'out'}}}\n")
    week = tmp_path / "out" / "lists" / WEEK
    (week / "teams" / "North").mkdir(parents=True)
    (week / "manifest.json").write_text(json.dumps({"data": {"data_fingerprint": "abc"}}))
    pd.DataFrame({"Team": "North", "Place": [1, 2, 3], "Family (pseudonymous id)": FAMILIES, "Band (1-20)": [20, 19, 18],
                  "Since last week": "new"}).to_csv(week / "teams" / "North" / "list.csv", index=False)
    return tmp_path, config


def _row(i=0, **change):
    row = dict(zip(COLUMNS, [FAMILIES[i], WEEK, "engaged", "offer_taken", "", "key worker", WEEK, ""], strict=True))
    return {**row, **change}


def _refused(config, path, capsys) -> str:
    capsys.readouterr()
    assert main(["feedback", "--config", str(config), "--file", str(path)]) == 1
    return capsys.readouterr().err


@pytest.mark.parametrize("note, secret", [(9434765919, "9434765919"), (9434765919.0, "9434765919"), (b"rang 07700 900123", "07700")])
def test_numbers_and_bytes_in_a_parquet_file_are_scanned_too(site, capsys, note, secret):
    tmp, config = site
    path = tmp / "fb.parquet"
    pd.DataFrame([_row()]).assign(note=[note]).to_parquet(path)
    err = _refused(config, path, capsys)
    assert "row 1, column 'note': holds" in err and secret not in err
    assert not (tmp / "out" / "feedback").exists()


def test_a_date_in_a_column_named_like_a_birth_date_refuses_the_file(site, capsys):
    tmp, config = site
    path = tmp / "fb.csv"
    pd.DataFrame([_row(dob="03/04/2015")]).to_csv(path, index=False)
    err = _refused(config, path, capsys)
    assert "column 'dob'" in err and "03/04/2015" not in err


def test_a_column_name_holding_an_identifier_refuses_the_file_without_repeating_it(site, capsys):
    tmp, config = site
    path = tmp / "fb.csv"
    pd.DataFrame([_row()]).rename(columns={"note": "jane.doe@example.com"}).to_csv(path, index=False)
    err = _refused(config, path, capsys)
    assert "the name of column 8 holds an email address" in err and "jane.doe" not in err


def test_a_header_read_as_one_column_is_not_quoted_when_it_holds_an_identifier(site, capsys):
    tmp, config = site
    path = tmp / "fb.csv"
    path.write_text("a1b2c3d4e5f60718;07700 900123;mum@example.com\n")
    capsys.readouterr()
    assert main(["feedback", "--config", str(config), "--file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "semicolons" in err and "07700" not in err and "mum@" not in err


def test_repeated_columns_and_lists_in_cells_are_user_errors(site, capsys):
    tmp, config = site
    path = tmp / "dup.csv"
    path.write_text(",".join(COLUMNS + ["note"]) + "\n" + ",".join(_row().values()) + ",x\n")
    capsys.readouterr()
    assert main(["feedback", "--config", str(config), "--file", str(path)]) == 2
    assert "more than once" in capsys.readouterr().err
    nested = tmp / "nested.parquet"
    pd.DataFrame([_row()]).assign(note=[["a", "b"]]).to_parquet(nested)
    result = ingest(load_config(config), nested)
    assert result.quarantined[["column", "reason"]].values.tolist() == [["note", "got several values in one cell; expected one value"]]


def test_dates_must_be_written_as_year_month_day_and_roles_are_not_echoed(site):
    tmp, config = site
    path = tmp / "fb.csv"
    rows = [_row(0, week="20260105"), _row(1, decided="2026-W02-1"), _row(2, role="Jane Smith")]
    pd.DataFrame(rows).to_csv(path, index=False)
    result = ingest(load_config(config), path)
    reasons = result.quarantined.set_index("row")
    assert reasons.at[2, "column"] == "week" and reasons.at[3, "column"] == "decided"
    assert "Jane" not in reasons.at[4, "reason"] and "not a configured role" in reasons.at[4, "reason"]


def test_conflicting_rows_in_one_file_are_quarantined_and_an_extra_column_is_reported(site, capsys):
    tmp, config = site
    path = tmp / "fb.csv"
    pd.DataFrame([_row(0), _row(0, decision="declined"), _row(1, partner="Police")]).assign(worker_grade="B").to_csv(path, index=False)
    capsys.readouterr()
    assert main(["feedback", "--config", str(config), "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 stored" in out and "2 quarantined" in out and "rows 2, 3 give different decisions" in out
    assert "worker_grade are not in the contract and were not stored" in out
    stored = read_store(tmp / "out" / "feedback" / "decisions.jsonl")
    assert stored["partner"].tolist() == ["police"] and stored["file"].iloc[0] == str(path.resolve())


def test_a_long_cell_is_withheld_from_the_quarantine(site):
    tmp, config = site
    path = tmp / "fb.csv"
    pd.DataFrame([_row(note="word" * 500)]).to_csv(path, index=False)
    result = ingest(load_config(config), path, today=dt.date(2026, 2, 1))
    assert result.quarantined["column"].tolist() == ["note"] and "2,000 characters (not shown)" in result.quarantined["reason"].iloc[0]
    assert "wordword" not in result.quarantine.read_text() and "<withheld: 2,000 characters>" in result.quarantine.read_text()


def test_reasons_name_the_line_a_person_sees_and_a_row_with_a_missing_comma_is_named_by_its_line(site, capsys):
    tmp, config = site
    good = ",".join(_row(0).values())
    path = tmp / "fb.csv"
    path.write_text(",".join(COLUMNS) + "\n" + good + "\n\n"
                    + ",".join(_row(1, note='"one\ntwo"').values()) + "\n" + ",".join(_row(2, decision="maybe").values()) + "\n")
    result = ingest(load_config(config), path)
    # line 1 the header, 2 a row, 3 blank, 4 and 5 a row whose note spans two lines, 6 the bad row
    assert result.quarantined[["row", "column"]].values.tolist() == [[6, "decision"]]
    short = tmp / "short.csv"
    short.write_text(",".join(COLUMNS) + "\n" + good + "\n" + ",".join(list(_row(1).values())[:-1]) + "\n")
    capsys.readouterr()
    assert main(["feedback", "--config", str(config), "--file", str(short)]) == 2
    err = capsys.readouterr().err
    assert "line 3: 7 fields; expected 8" in err and FAMILIES[1] not in err
