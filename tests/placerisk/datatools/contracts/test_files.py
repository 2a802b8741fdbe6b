"""File-level failures: missing, unreadable, missing columns, identifiers, extra columns, Parquet input."""

from __future__ import annotations

import pandas as pd

from placerisk.datatools.contracts import contracts_for, validate_extracts

from .conftest import valid_tables, write_tables


def _nhs(prefix: str) -> str:
    total = sum(int(d) * w for d, w in zip(prefix, range(10, 1, -1)))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    assert check != 10
    return prefix + str(check)


def _file(report, name):
    return next(f for f in report.files if f.name == name)


def test_missing_required_file_is_refused_with_what_was_expected(run, tmp_path):
    tables = valid_tables()
    del tables["police"]
    report, _ = run(tables)
    police = _file(report, "police")
    assert police.status == "refused"
    assert "required file 'police' not found" in police.problems[0]
    assert "expected police.parquet or police.csv" in police.problems[0]
    assert not report.passed


def test_unreadable_file_is_refused(run, tmp_path):
    tables = valid_tables()
    del tables["police"]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "police.parquet").write_bytes(b"this is not parquet")
    report, _ = run(tables)
    assert "could not be read" in _file(report, "police").problems[0]


def test_missing_column_is_refused(run):
    tables = valid_tables()
    for row in tables["police"]:
        del row["recorded_date"]
    report, _ = run(tables)
    assert "missing column(s) recorded_date" in _file(report, "police").problems[0]


def test_file_with_an_nhs_number_column_is_refused_without_echoing_values(run):
    tables = valid_tables()
    numbers = [_nhs(p) for p in ("943476591", "401023213", "123456788", "987654321")]
    numbers = [n for n in numbers if len(n) == 10]
    for row, number in zip(tables["police"], numbers):
        row["patient_ref"] = number
    report, _ = run(tables)
    police = _file(report, "police")
    assert police.status == "refused"
    assert "carries direct identifiers" in police.problems[0]
    assert "patient_ref" in police.problems[0] and "NHS" in police.problems[0]
    assert not any(n in police.problems[0] for n in numbers)


def test_ten_digit_numbers_failing_modulus_11_are_not_identifiers(run):
    tables = valid_tables()
    for i, row in enumerate(tables["police"]):
        valid = _nhs("94347659" + str(i))
        row["case_number"] = valid[:-1] + str((int(valid[-1]) + 1) % 10)  # wrong check digit
    report, _ = run(tables)
    police = _file(report, "police")
    assert police.status == "accepted"
    assert police.warnings == ["column(s) case_number not in the contract: ignored (never ingested)"]


def test_parquet_and_csv_give_the_same_result(tmp_path, config):
    tables = valid_tables()
    tables["police"][1]["event_type"] = "stabbing"
    csv_dir = write_tables(tmp_path / "csv", tables)
    pq_dir = tmp_path / "pq"
    pq_dir.mkdir()
    for name in tables:
        frame = pd.read_csv(csv_dir / f"{name}.csv", dtype=str, keep_default_na=False).replace("", None)
        for col in ("event_date", "recorded_date", "member_from", "member_to"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col]).dt.date
        for col in ("birth_year", "birth_month", "deprivation_decile"):
            if col in frame:
                frame[col] = frame[col].astype(int)
        frame.to_parquet(pq_dir / f"{name}.parquet", index=False)
    results = []
    for folder in (csv_dir, pq_dir):
        report = validate_extracts(contracts_for(config), folder, tmp_path / f"out-{folder.name}", max_bad_row_share=1, identifier_sample_rows=100)
        results.append({f.name: (f.status, f.rows, f.reasons) for f in report.files})
    assert results[0] == results[1]
    assert results[0]["police"] == ("accepted_with_quarantine", 4, {"unknown_code:event_type": 1})


def test_both_csv_and_parquet_present_is_ambiguous(run, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "police.parquet").write_bytes(b"x")
    report, _ = run(valid_tables())
    assert "expected exactly one file for 'police'" in _file(report, "police").problems[0]


def test_the_contract_document_names_every_file_and_column(config):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[4] / "docs" / "data-contracts.md").read_text()
    for contract in contracts_for(config):
        assert contract.name in doc, contract.name
        for column in contract.columns:
            assert f"| {column.name} |" in doc, (contract.name, column.name)
        for rule in contract.rules:
            assert f"`{rule.name}`" in doc, rule.name
