"""The identifier guard at file level: one identifier anywhere in a scanned column refuses the file.

All values are made up in the tests; none is a real person's.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from placerisk.datatools.contracts import contracts_for, validate_extracts

from ..privacy.test_identifiers import nhs_numbers
from .conftest import valid_tables, write_tables


def _file(report, name):
    return next(f for f in report.files if f.name == name)


def _police(n: int) -> list[dict]:
    """`n` valid police rows (distinct dates, so none is a duplicate)."""
    return [
        {"person_id": f"p{1 + i % 3}", "event_type": "asb",
         "event_date": str(pd.Timestamp("2022-01-01") + pd.Timedelta(days=i))[:10],
         "recorded_date": str(pd.Timestamp("2022-01-02") + pd.Timedelta(days=i))[:10]}
        for i in range(n)
    ]


def _with_police(rows: list[dict]) -> dict[str, list[dict]]:
    tables = copy.deepcopy(valid_tables())
    tables["police"] = rows
    return tables


def _refusal(report) -> str:
    police = _file(report, "police")
    assert police.status == "refused", police
    assert len(police.problems) == 1
    return police.problems[0]


def test_nhs_numbers_inside_free_text_on_every_row_are_refused(run, tmp_path):
    rows = _police(10)
    numbers = nhs_numbers(10, seed=21)
    for row, number in zip(rows, numbers):
        row["notes"] = f"nhs {number[:3]} {number[3:6]} {number[6:]} seen with mum"
    problem = _refusal(run(_with_police(rows))[0])
    assert problem.startswith(f"'{tmp_path / 'data' / 'police.csv'}' carries direct identifiers")
    assert "column 'notes'" in problem and "NHS numbers" in problem and "in 10 of 10 rows (inside text)" in problem
    said = problem.replace(str(tmp_path), "")  # the temporary path holds digits of its own (pytest-123)
    assert not any(n[:3] in said or n[6:] in said for n in numbers)
    assert "seen with mum" not in problem


@pytest.mark.parametrize("column, values, kind", [
    ("contact", ["testname@example.org", "other.testname@example.net", "t.name@example.co.uk", "testname2@example.org"], "email addresses"),
    ("contact", ["07700 900123", "07700 900456", "+44 7700 900789"], "UK phone numbers"),
    ("where", ["B33 8TH"], "full UK postcodes"),
])
def test_a_minority_of_identifiers_in_a_column_is_refused(run, column, values, kind):
    rows = _police(10)  # 40%, 30% and 10% of the rows: far below the old 50% share
    for i, row in enumerate(rows):
        row[column] = values[i] if i < len(values) else "declined"
    problem = _refusal(run(_with_police(rows))[0])
    assert f"column '{column}'" in problem and f"{kind} in {len(values)} of 10 rows (as whole values)" in problem
    assert not any(v in problem for v in values)


def test_an_identifier_in_a_contract_text_column_is_refused_not_quarantined(run):
    tables = _with_police(_police(10))
    tables["police"][3]["event_type"] = "asb called mum on 07700 900123"
    problem = _refusal(run(tables)[0])
    assert "column 'event_type'" in problem and "UK phone numbers in 1 of 10 rows (inside text)" in problem
    assert "07700" not in problem


def test_one_identifier_far_beyond_the_sample_is_found(tmp_path, config):
    rows = _police(3000)
    for row in rows:
        row["notes"] = "seen at home, all well"
    rows[2718]["notes"] = "seen at home, tel 0161 496 0000"
    data = write_tables(tmp_path / "data", _with_police(rows))
    report = validate_extracts(contracts_for(config), data, tmp_path / "out", max_bad_row_share=1, identifier_sample_rows=100)
    assert "UK phone numbers in 1 of 3,000 rows (inside text)" in _refusal(report)


def test_parquet_numbers_not_in_the_contract_are_scanned(tmp_path, config):
    data = write_tables(tmp_path / "data", _with_police(_police(10)))
    police = pd.read_csv(data / "police.csv", dtype=str)
    police["ref"] = [int(nhs_numbers(1, seed=30)[0])] + [1000 + i for i in range(9)]  # a whole number column
    police["ref_float"] = [float(nhs_numbers(1, seed=31)[0])] + [None] * 9  # as pandas saves an id with gaps
    (data / "police.csv").unlink()
    police.to_parquet(data / "police.parquet", index=False)
    report = validate_extracts(contracts_for(config), data, tmp_path / "out", max_bad_row_share=1, identifier_sample_rows=100)
    problem = _refusal(report)
    assert "column 'ref' looks like NHS numbers" in problem and "in 1 of 10 rows (as whole values)" in problem
    assert "column 'ref_float' looks like NHS numbers" in problem and "in 1 of 1 rows" in problem


def test_codes_dates_text_and_pseudonyms_are_not_identifiers(run):
    rows = _police(40)
    for i, row in enumerate(rows):
        row["team"] = ["Central", "North", "South"][i % 3]
        row["area"] = f"SA{i:06d}"
        row["note"] = f"visit {row['event_date']} at 14:{i:02d}, 2 adults, case 12{i:03d}"
        row["case_ref"] = f"{1_000_000_000 + 7_919 * i * i}"  # 10-digit references: a few pass by chance
        row["household"] = f"{(i * 2654435761) % 2**64:016x}"  # a pseudonym: lowercase hex
    report, _ = run(_with_police(rows))
    police = _file(report, "police")
    assert police.status == "accepted", police.problems
    assert police.warnings == ["column(s) team, area, note, case_ref, household not in the contract: ignored (never ingested)"]


def test_an_identifier_inside_an_id_value_is_withheld_from_the_report(run):
    tables = _with_police(_police(10))
    tables["police"][2]["person_id"] = "p1 tel 07700 900123"  # id columns are not scanned: quarantined instead
    report, _ = run(tables)
    police = _file(report, "police")
    assert police.status == "accepted_with_quarantine"
    example = police.examples[0]
    assert (example["column"], example["value"]) == ("person_id", "<withheld: looks like phone>")
