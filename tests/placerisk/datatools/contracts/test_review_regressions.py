"""Inputs that once went wrong: text kept as sent, reserved names, empty files, nothing personal echoed."""

from __future__ import annotations

import copy

from .conftest import valid_tables, write_tables


def _file(report, name):
    return next(f for f in report.files if f.name == name)


def test_csv_with_byte_order_mark_keeps_leading_zeros(tmp_path):
    tables = copy.deepcopy(valid_tables())
    tables["areas"] = [
        {"area_code": "00123", "deprivation_decile": 1, "team": "Central"},
        {"area_code": "0123", "deprivation_decile": 10, "team": "North"},
    ]
    tables["families"] = [{"family_id": "fa01", "area_code": "00123"}, {"family_id": "fa02", "area_code": "0123"}]
    data = write_tables(tmp_path / "data", tables)
    (data / "areas.csv").write_bytes(b"\xef\xbb\xbf" + (data / "areas.csv").read_bytes())  # Excel's "CSV UTF-8"
    from placerisk.config import parse_config
    from placerisk.datatools.contracts import contracts_for, validate_extracts

    from .conftest import ONLY_POLICE

    report = validate_extracts(contracts_for(parse_config(ONLY_POLICE)), data, tmp_path / "out2", max_bad_row_share=1, identifier_sample_rows=100)
    assert _file(report, "areas").status == "accepted"
    assert _file(report, "families").status == "accepted"


def test_codes_like_na_are_codes_not_missing_values(run):
    report, quarantine = run(_with("persons", 0, ethnicity="NA"))
    assert list(quarantine["persons"]["rule"]) == ["unknown_code:ethnicity"]
    assert quarantine["persons"].loc[0, "ethnicity"] == "NA"


def test_rows_whose_values_fail_to_parse_differently_are_not_duplicates(run):
    tables = valid_tables()
    tables["police"][0]["event_date"] = "05/01/2024"
    tables["police"].append(dict(tables["police"][0], event_date="06/01/2024"))
    _, quarantine = run(tables)
    assert set(quarantine["police"]["rule"]) == {"invalid_type:event_date"}


def test_a_fraction_is_not_a_whole_number(run):
    _, quarantine = run(_with("persons", 0, birth_month="1.5"))
    assert list(quarantine["persons"]["rule"]) == ["invalid_type:birth_month"]


def test_reserved_row_column_is_refused(run):
    tables = valid_tables()
    for i, row in enumerate(tables["police"]):
        row["_row"] = 7
    report, _ = run(tables)
    assert "reserved for row numbers" in _file(report, "police").problems[0]


def test_empty_population_file_is_refused(tmp_path):
    data = write_tables(tmp_path / "data", valid_tables())
    (data / "police.csv").write_text("person_id,event_type,event_date,recorded_date\n")
    (data / "families.csv").write_text("family_id,area_code\n")
    from placerisk.config import parse_config
    from placerisk.datatools.contracts import contracts_for, validate_extracts

    from .conftest import ONLY_POLICE

    report = validate_extracts(contracts_for(parse_config(ONLY_POLICE)), data, tmp_path / "o", max_bad_row_share=1, identifier_sample_rows=100)
    assert "has no rows" in _file(report, "families").problems[0]
    assert _file(report, "persons").status == "refused"  # it refers to the refused families file


def test_parse_errors_do_not_copy_the_row_into_the_report(run, tmp_path):
    tables = valid_tables()
    data = write_tables(tmp_path / "data", tables)
    with (data / "police.csv").open("a") as fh:
        fh.write("p1,asb,2024-01-01,2024-01-02,943 476 5919 Testname\n")
    from placerisk.config import parse_config
    from placerisk.datatools.contracts import contracts_for, validate_extracts

    from .conftest import ONLY_POLICE

    report = validate_extracts(contracts_for(parse_config(ONLY_POLICE)), data, tmp_path / "o", max_bad_row_share=1, identifier_sample_rows=100)
    problem = _file(report, "police").problems[0]
    assert "could not be read" in problem
    assert "Testname" not in problem and "943 476 5919" not in problem


def test_example_values_that_look_like_identifiers_are_withheld(run):
    report, _ = run(_with("police", 3, person_id="9434765919"))
    example = _file(report, "police").examples[0]
    assert example["rule"] == "unknown_reference:person_id"
    assert example["value"] == "<withheld: looks like nhs number>"


def _with(file, row, **changes):
    tables = copy.deepcopy(valid_tables())
    tables[file][row].update(changes)
    return tables
