"""Empty and implausibly small event files are refused; an empty objections file is not."""

from __future__ import annotations

import copy

import pytest

from placerisk.config import parse_config
from placerisk.datatools.contracts import contracts_for, validate_extracts
from placerisk.errors import ConfigError

from .conftest import ONLY_POLICE, valid_tables, write_tables

HEADER = "person_id,event_type,event_date,recorded_date\n"


def _file(report, name):
    return next(f for f in report.files if f.name == name)


def _validate(config, data, out, **kwargs):
    return validate_extracts(contracts_for(config), data, out, max_bad_row_share=1, identifier_sample_rows=100, **kwargs)


def test_a_header_only_event_file_is_refused(tmp_path, config):
    data = write_tables(tmp_path / "data", valid_tables())
    (data / "police.csv").write_text(HEADER)
    report = _validate(config, data, tmp_path / "out")
    police = _file(report, "police")
    assert police.status == "refused" and not report.passed
    assert police.problems == [
        f"'{data / 'police.csv'}' has no rows: expected police events, at least 1 (validation.min_event_rows); "
        "a truncated or failed export?"
    ]
    assert _file(report, "objections").status == "accepted"  # the next file (a CSV) is still read


def test_an_empty_parquet_event_file_is_refused(tmp_path, config):
    import pandas as pd

    data = write_tables(tmp_path / "data", valid_tables())
    (data / "police.csv").unlink()
    pd.DataFrame({c: pd.Series([], dtype=str) for c in HEADER.strip().split(",")}).to_parquet(data / "police.parquet")
    assert "has no rows: expected police events" in _file(_validate(config, data, tmp_path / "out"), "police").problems[0]


def test_an_event_file_below_min_event_rows_is_refused(tmp_path, config):
    data = write_tables(tmp_path / "data", valid_tables())  # 4 police rows
    police = _file(_validate(config, data, tmp_path / "out", min_event_rows=5), "police")
    assert police.status == "refused"
    assert police.problems == [
        f"'{data / 'police.csv'}' has 4 rows: expected at least 5 police events (validation.min_event_rows); "
        "a truncated or failed export?"
    ]
    assert _file(_validate(config, data, tmp_path / "out2", min_event_rows=4), "police").status == "accepted"


def test_min_event_rows_zero_accepts_an_empty_event_file_with_a_warning(tmp_path, config):
    data = write_tables(tmp_path / "data", valid_tables())
    (data / "police.csv").write_text(HEADER)
    police = _file(_validate(config, data, tmp_path / "out", min_event_rows=0), "police")
    assert police.status == "accepted"
    assert police.warnings == ["the file has no rows"]


def test_an_empty_objections_file_is_still_accepted(tmp_path, config):
    data = write_tables(tmp_path / "data", valid_tables())
    (data / "objections.csv").write_text("family_id,person_id,recorded_date\n")
    report = _validate(config, data, tmp_path / "out")
    assert report.passed and _file(report, "objections").status == "accepted"


def test_min_event_rows_is_a_whole_number_at_least_zero():
    assert parse_config(ONLY_POLICE).validation.min_event_rows == 1
    assert parse_config({**ONLY_POLICE, "validation": {"min_event_rows": 0}}).validation.min_event_rows == 0
    for bad in (-1, 1.5, "3"):
        with pytest.raises(ConfigError, match="min_event_rows"):
            parse_config({**ONLY_POLICE, "validation": {"min_event_rows": bad}})


# --- relative to the other event files ---------------------------------------

POLICE_AND_HEALTH = copy.deepcopy(ONLY_POLICE)
del POLICE_AND_HEALTH["sources"]["health"]


def _population(families: int, police_per_family: int, health_rows: int) -> dict[str, list[dict]]:
    tables = copy.deepcopy(valid_tables())
    tables["families"] = [{"family_id": f"f{i}", "area_code": "SA000001"} for i in range(families)]
    tables["persons"] = [
        {"person_id": f"p{i}", "family_id": f"f{i}", "sex": "F", "ethnicity": "White", "birth_year": 2010,
         "birth_month": 1, "member_from": "2010-01-01", "member_to": ""}
        for i in range(families)
    ]

    def events(n, kind):
        return [{"person_id": f"p{i % families}", "event_type": kind, "event_date": f"2023-{1 + i // families % 12:02d}-01",
                 "recorded_date": f"2023-{1 + i // families % 12:02d}-02"} for i in range(n)]

    tables["police"] = events(police_per_family * families, "asb")
    tables["health"] = events(health_rows, "ae_attendance")
    tables["objections"] = [{"family_id": "f0", "person_id": "", "recorded_date": "2025-01-01"}]
    return tables


def test_an_event_file_far_below_the_others_rows_per_family_is_refused(tmp_path):
    config = parse_config(POLICE_AND_HEALTH)
    # 1,000 families with 5 police rows each: the bound for health is 5 / 500 * 1,000 = 10 rows
    data = write_tables(tmp_path / "data", _population(1000, 5, 9))
    report = _validate(config, data, tmp_path / "out")
    health = _file(report, "health")
    assert health.status == "refused" and health.rows == 9
    assert health.problems == [
        f"'{data / 'health.csv'}' has 9 rows for 1,000 families (0.0090 per family): expected at least 10 health "
        "events, 1/500 of the median rows per family of the other event files (5.00); a truncated or failed export?"
    ]
    assert _file(report, "police").status == "accepted"  # 9 health rows imply no bound on police (below 10 rows)

    data = write_tables(tmp_path / "data2", _population(1000, 5, 10))
    assert _file(_validate(config, data, tmp_path / "out2"), "health").status == "accepted"


def test_small_extracts_are_not_judged_relative_to_others(tmp_path):
    config = parse_config(POLICE_AND_HEALTH)
    # 1,000 families, 4 police rows each: the bound would be 8 rows, under 10, so 7 health rows pass
    data = write_tables(tmp_path / "data", _population(1000, 4, 7))
    report = _validate(config, data, tmp_path / "out")
    assert report.passed, [f.problems for f in report.files]
