"""Every contract rule, one fault at a time, on a hand-written fixture."""

from __future__ import annotations

import copy

import pytest

from .conftest import valid_tables


def _status(report):
    return {f.name: f.status for f in report.files}


def test_the_valid_fixture_passes_every_contract(run):
    report, quarantine = run(valid_tables())
    assert report.passed
    assert set(_status(report).values()) == {"accepted"}
    assert quarantine == {}


def _with(file, row, **changes):
    tables = copy.deepcopy(valid_tables())
    tables[file][row].update(changes)
    return tables


@pytest.mark.parametrize(
    ("file", "row", "changes", "rule"),
    [
        ("police", 0, {"event_date": ""}, "missing_value:event_date"),
        ("police", 0, {"person_id": ""}, "missing_value:person_id"),
        ("police", 1, {"event_date": "10/01/2024"}, "invalid_type:event_date"),
        ("police", 1, {"event_type": "stabbing"}, "unknown_code:event_type"),
        ("police", 2, {"event_date": "1899-12-31"}, "out_of_range:event_date"),
        ("police", 2, {"recorded_date": "2099-01-01"}, "out_of_range:recorded_date"),
        ("police", 2, {"recorded_date": "2022-07-14"}, "recorded_before_event"),
        ("police", 3, {"person_id": "nobody"}, "unknown_reference:person_id"),
        ("persons", 0, {"sex": "Q"}, "unknown_code:sex"),
        ("persons", 0, {"ethnicity": "Martian"}, "unknown_code:ethnicity"),
        ("persons", 1, {"birth_month": 13}, "out_of_range:birth_month"),
        ("persons", 1, {"birth_year": "two thousand"}, "invalid_type:birth_year"),
        ("persons", 2, {"member_to": "2011-01-01"}, "member_to_not_after_member_from"),
        ("persons", 2, {"family_id": "fa99"}, "unknown_reference:family_id"),
        ("families", 1, {"area_code": "SA999999"}, "unknown_reference:area_code"),
        ("areas", 1, {"deprivation_decile": 11}, "out_of_range:deprivation_decile"),
        ("areas", 1, {"team": "Atlantis"}, "unknown_code:team"),
    ],
)
def test_each_rule_quarantines_exactly_the_faulty_row(run, file, row, changes, rule):
    report, quarantine = run(_with(file, row, **changes))
    q = quarantine[file]
    assert list(q["row"]) == [row + 1]  # 1-based data row
    assert q.loc[0, "rule"] == rule
    result = next(f for f in report.files if f.name == file)
    assert result.reasons == {rule: 1}
    example = result.examples[0]
    assert example["file"] == f"{file}.csv" and example["row"] == row + 1 and example["rule"] == rule
    assert example["expected"]


def test_duplicate_row_keeps_the_first_and_quarantines_the_copy(run):
    tables = valid_tables()
    tables["police"].append(dict(tables["police"][1]))
    report, quarantine = run(tables)
    assert list(quarantine["police"]["row"]) == [5]
    assert quarantine["police"].loc[0, "rule"] == "duplicate_row"
    assert "row 2" in next(f for f in report.files if f.name == "police").examples[0]["expected"]


def test_duplicate_key_quarantines_the_later_row(run):
    tables = valid_tables()
    tables["families"].append({"family_id": "fa01", "area_code": "SA000002"})
    _, quarantine = run(tables)
    assert list(quarantine["families"]["rule"]) == ["duplicate_key:family_id"]
    assert list(quarantine["families"]["row"]) == [3]


def test_events_of_a_quarantined_person_are_quarantined_with_that_reason(run):
    report, quarantine = run(_with("persons", 1, sex="Q"))
    police = quarantine["police"]
    assert list(police["row"]) == [2, 4]  # p2's two events
    assert set(police["rule"]) == {"quarantined_reference:person_id"}


def test_a_bad_objection_fails_the_run_because_objections_are_never_dropped(run):
    report, quarantine = run(_with("objections", 0, family_id=""))
    objections = next(f for f in report.files if f.name == "objections")
    assert objections.status == "refused"
    assert list(quarantine["objections"]["rule"]) == ["no_id"]
    assert not report.passed


def test_share_of_bad_rows_over_the_limit_refuses_the_file(run):
    tables = valid_tables()
    tables["police"][0]["event_type"] = "nope"
    report, _ = run(tables, max_bad_row_share=0.2)
    police = next(f for f in report.files if f.name == "police")
    assert police.status == "refused"
    assert "1 of 4 rows (25.00%) failed the contract; the limit is 20.00%" in police.problems[0]
    report, _ = run(tables, max_bad_row_share=0.3)
    assert report.passed


def test_the_engagements_file_is_optional_and_checked_when_supplied(run):
    tables = copy.deepcopy(valid_tables())
    del tables["engagements"]
    report, _ = run(tables)
    assert report.passed and _status(report)["engagements"] == "not supplied"
    report, quarantine = run(_with("engagements", 0, ended="2025-01-01"))  # ended before it started
    assert _status(report)["engagements"] != "accepted"
    assert list(quarantine["engagements"]["rule"]) == ["ended_before_started"]
    report, quarantine = run(_with("engagements", 0, family_id="nobody"))
    assert list(quarantine["engagements"]["rule"]) == ["unknown_reference:family_id"]
